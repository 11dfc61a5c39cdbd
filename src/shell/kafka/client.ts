import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type LogEntry, type Producer } from 'kafkajs';
import { decodeCandle } from '../../core/kline/message.ts';
import type { Logger } from '../observability/logger.ts';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own logs go through pino (warnings and errors only). */
export const makeKafka = (brokers: readonly string[], clientId: string, log: Logger): Kafka =>
  new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.WARN,
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[levels[level] ?? 'info']({ kafkajs: rest }, String(message));
      },
  });

export const topicOf = (prefix: string, interval: string): string => `${prefix}${interval}`;
export const dlqTopicOf = (topic: string): string => `${topic}-dlq`;

/** Creates the topics that do not exist yet (the operator creates them in a cluster; locally we do). */
export const ensureTopics = async (
  admin: Admin,
  topics: readonly string[],
  partitions: number,
): Promise<void> => {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({
      topics: missing.map((topic) => ({ topic, numPartitions: partitions })),
      waitForLeaders: true,
    });
  } catch (e) {
    // Another worker may have created it meanwhile.
    if (!(e instanceof Error && /already exists/i.test(e.message))) throw e;
  }
};

/**
 * The newest open time published per symbol: reads the tail of every partition (the last `window`
 * records, widened until every wanted symbol is found or the whole partition was read).
 */
export const lastPublished = async (
  kafka: Kafka,
  topic: string,
  symbols: readonly string[],
  window = 5000,
): Promise<Map<string, number>> => {
  const admin = kafka.admin();
  await admin.connect();
  let offsets;
  try {
    offsets = (await admin.fetchTopicOffsets(topic)).filter((p) => BigInt(p.high) > BigInt(p.low));
  } finally {
    await admin.disconnect();
  }
  const found = new Map<string, number>();
  if (offsets.length === 0) return found;
  for (let size = BigInt(window); ; size *= 10n) {
    const starts = offsets.map((p) => {
      const from = BigInt(p.high) - size;
      return { ...p, from: from > BigInt(p.low) ? from : BigInt(p.low) };
    });
    await readRange(kafka, topic, starts, (key, value) => {
      if (key === null || value === null) return;
      const c = decodeCandle(value, key);
      if (c.ok && c.value.openTime > (found.get(c.value.symbol) ?? -1))
        found.set(c.value.symbol, c.value.openTime);
    });
    const complete = symbols.every((s) => found.has(s));
    if (complete || starts.every((p) => p.from === BigInt(p.low))) return found;
  }
};

type Range = { partition: number; from: bigint; high: string };

const readRange = async (
  kafka: Kafka,
  topic: string,
  ranges: readonly Range[],
  onRecord: (key: string | null, value: string | null) => void,
): Promise<void> => {
  const consumer = kafka.consumer({ groupId: `tail-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const pending = new Map(ranges.map((r) => [r.partition, BigInt(r.high) - 1n]));
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const last = pending.get(batch.partition);
        for (const m of batch.messages) {
          if (last === undefined || BigInt(m.offset) > last) break;
          onRecord(m.key?.toString() ?? null, m.value?.toString() ?? null);
          if (BigInt(m.offset) === last) pending.delete(batch.partition);
        }
        if (pending.size === 0) done();
      },
    });
    for (const r of ranges) consumer.seek({ topic, partition: r.partition, offset: r.from.toString() });
    await finished;
  } finally {
    await consumer.disconnect();
  }
};

/**
 * The idempotent producer (one request in flight, default murmur2 partitioner: same key → same
 * partition). Sends retry until Kafka is back, so a broker outage delays publishing and loses nothing.
 */
export const makeProducer = (kafka: Kafka): Producer =>
  kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
