import type { Admin } from 'kafkajs';
import type { Logger } from '../observability/logger.ts';
import { sleep } from '../observability/sleep.ts';
import type { KafkaOptions } from './client.ts';

export const topicOf = (prefix: string, interval: string): string => `${prefix}${interval}`;
export const dlqTopicOf = (topic: string): string => `${topic}-dlq`;
/** The alerts' topic beside the prices topics: the prefix without its `prices-`, then `alerts-<interval>`. */
export const alertsTopicOf = (prefix: string, interval: string): string =>
  `${prefix.replace(/prices-$/, '')}alerts-${interval}`;

/** A topic as a worker creates it when it is missing. */
export type NewTopic = {
  readonly topic: string;
  readonly partitions: number;
  readonly retentionMs?: number;
  readonly replicationFactor?: number;
};

/**
 * The topic of an interval and its dead-letter topic, as the operator's KafkaTopics describe them: the
 * interval's partitions, one partition for the rare rejected records (kept in order), the same retention.
 */
export const intervalTopics = (o: KafkaOptions, interval: string): { data: NewTopic; dlq: NewTopic } => {
  const topic = topicOf(o.topicPrefix, interval);
  const common = {
    ...(o.retentionMs === undefined ? {} : { retentionMs: o.retentionMs }),
    ...(o.replicationFactor === undefined ? {} : { replicationFactor: o.replicationFactor }),
  };
  return {
    data: { topic, partitions: o.partitions ?? 4, ...common },
    dlq: { topic: dlqTopicOf(topic), partitions: 1, ...common },
  };
};

/** kafkajs reports the errors of one CreateTopics request together; their messages say what is wrong. */
const creationErrors = (e: unknown): string => {
  const errors = (e as { errors?: readonly { topic?: string; message?: string }[] }).errors;
  if (errors === undefined) return e instanceof Error ? e.message : String(e);
  return errors.map((x) => `${x.topic ?? '?'}: ${x.message ?? '?'}`).join('; ');
};

/** How long a new topic may take to show every partition with a leader in the broker's metadata. */
export const LEADERS_DEADLINE_MS = 30_000;

/** The metadata answers while a new topic is still on its way to the broker that answers. */
const notYetKnown = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Waits until the broker's metadata shows every partition of the topics with a leader. A new topic
 * reaches a broker's metadata after its CreateTopics answer (under load, seconds after), and kafkajs's own
 * `waitForLeaders` retries only "leader not available", not the "unknown topic" that comes first.
 */
export const awaitLeaders = async (
  admin: Admin,
  topics: readonly string[],
  deadlineMs: number = LEADERS_DEADLINE_MS,
): Promise<void> => {
  if (topics.length === 0) return;
  const until = Date.now() + deadlineMs;
  let last: string;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
    try {
      // The metadata of every topic: asked for by name, a topic the broker does not know yet is an error
      // that kafkajs logs at error level; in the whole list it is just not there yet.
      const { topics: found } = await admin.fetchTopicMetadata();
      const led = new Set(
        found.flatMap((t) =>
          t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0) ? [t.name] : [],
        ),
      );
      const waiting = topics.filter((t) => !led.has(t));
      if (waiting.length === 0) return;
      last = `no leader yet for ${waiting.join(', ')}`;
    } catch (e) {
      if (!notYetKnown.has((e as { type?: string }).type ?? '')) throw e;
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() + wait > until)
      throw new Error(
        `the topics ${topics.join(', ')} have no leader for every partition within ${deadlineMs / 1000} s (last: ${last})`,
      );
    await sleep(wait);
  }
};

/**
 * Creates the topics that do not exist yet (on an external Kafka, or before Strimzi's topic operator
 * did); a topic that exists is used as it is, and one another worker creates meanwhile is fine too.
 * Each topic gets its own CreateTopics request, so that the answer says whether this call made it:
 * kafkajs answers a request whose only errors are "already exists" with `false`, also when it created
 * the request's other topics. Returns the names of the topics this call created; every topic that was
 * missing, whoever created it, has a leader for each partition when it returns (`awaitLeaders`).
 */
export const ensureTopics = async (admin: Admin, topics: readonly NewTopic[]): Promise<string[]> => {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  const results = await Promise.allSettled(
    missing.map((t) =>
      admin.createTopics({
        topics: [
          {
            topic: t.topic,
            numPartitions: t.partitions,
            replicationFactor: t.replicationFactor ?? -1, // -1: the broker's default.replication.factor
            configEntries: [
              { name: 'cleanup.policy', value: 'delete' },
              ...(t.retentionMs === undefined
                ? []
                : [{ name: 'retention.ms', value: String(t.retentionMs) }]),
            ],
          },
        ],
        waitForLeaders: false, // awaitLeaders below, for the topics a racing worker created too
      }),
    ),
  );
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0)
    throw new Error(`could not create the topics: ${failures.map(creationErrors).join('; ')}`, {
      cause: failures.length === 1 ? failures[0] : new AggregateError(failures),
    });
  await awaitLeaders(
    admin,
    missing.map((t) => t.topic),
  );
  return missing.flatMap((t, i) => {
    const r = results[i]!;
    return r.status === 'fulfilled' && r.value ? [t.topic] : [];
  });
};

/** A worker's start: creates its topics that are missing (`ensureTopics`) and says which. */
export const createMissingTopics = async (
  admin: Admin,
  topics: readonly NewTopic[],
  log: Logger,
): Promise<void> => {
  const created = await ensureTopics(admin, topics);
  if (created.length > 0) log.info({ topics: created }, 'created the missing topics');
};
