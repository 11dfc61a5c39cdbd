import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type KafkaConfig,
  type LogEntry,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { SaslMechanism } from '../../api/v1alpha1/cryptostream.ts';
import { decodeCandle } from '../../core/kline/message.ts';
import type { Logger } from '../observability/logger.ts';
import { sleep } from '../observability/sleep.ts';
import { mendKafkajsRequestQueue } from './requestQueue.ts';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Broker answers that are passing states, by their kafkajs protocol-error type: a fresh broker loading
 * `__consumer_offsets` or `__transaction_state`, a coordinator or partition leader moving, a group
 * rebalancing. kafkajs logs each answer at error level and then retries it on its own; an answer that
 * does not pass before its retries run out reaches our code as a thrown error (a consumer crash, a
 * failed send), which is still logged as an error. The messages are kafkajs's
 * (kafkajs/src/protocol/error.js; test/shell/kafka/logging.test.ts checks them against it).
 */
export const transientKafkaErrors: Readonly<Record<string, string>> = {
  LEADER_NOT_AVAILABLE:
    'There is no leader for this topic-partition as we are in the middle of a leadership election',
  NOT_LEADER_FOR_PARTITION: 'This server is not the leader for that topic-partition',
  GROUP_LOAD_IN_PROGRESS: "The coordinator is loading and hence can't process requests for this group",
  GROUP_COORDINATOR_NOT_AVAILABLE: 'The group coordinator is not available',
  NOT_COORDINATOR_FOR_GROUP: 'This is not the correct coordinator for this group',
  REBALANCE_IN_PROGRESS: 'The group is rebalancing, so a rejoin is needed',
};

const transientMessages = new Set(Object.values(transientKafkaErrors));

/**
 * The pino level of one kafkajs log entry: kafkajs's own level, except that a broker answer in a passing
 * state (`transientKafkaErrors`, in the entry's `error` field or as its message) is debug.
 */
export const kafkajsLogLevel = (
  level: number,
  entry: { readonly message?: unknown; readonly error?: unknown },
): 'error' | 'warn' | 'info' | 'debug' => {
  const mapped = levels[level] ?? 'info';
  if (mapped !== 'error' && mapped !== 'warn') return mapped;
  const transient =
    (typeof entry.error === 'string' && transientMessages.has(entry.error)) ||
    (typeof entry.message === 'string' && transientMessages.has(entry.message));
  return transient ? 'debug' : mapped;
};

/** TLS and SASL of a Kafka that wants them (an external one); none for the local and in-cluster Kafka. */
export type KafkaSecurity = {
  /** TLS; with `caFile` only that CA (PEM) is trusted, else the system's root certificates. */
  readonly tls?: { readonly caFile?: string };
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
};

/** How a worker reaches Kafka and which topics it creates when they are missing. */
export type KafkaOptions = {
  readonly brokers: readonly string[];
  readonly security?: KafkaSecurity;
  readonly topicPrefix: string;
  /** Partitions of the interval's topic when the worker creates it (4 by default). */
  readonly partitions?: number;
  /** `retention.ms` of the topics the worker creates; unset: the broker's default. */
  readonly retentionMs?: number;
  /** Replication factor of the topics the worker creates; unset: the broker's default. */
  readonly replicationFactor?: number;
  /** How long a worker waits at start for Kafka to answer before it gives up (`KafkaUnreachable`). */
  readonly connectTimeoutMs?: number;
};

/** Start-up wait for Kafka when none is configured. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;

/** Kafka did not answer within the start-up deadline: which brokers, what failed last. */
export class KafkaUnreachable extends Error {
  override readonly name = 'KafkaUnreachable';
}

/** The innermost message of a kafkajs error (its retries wrap the cause). */
const failureOf = (e: unknown): string => {
  let x = e;
  while (x instanceof Error && x.cause instanceof Error) x = x.cause;
  const inner = x instanceof Error ? x.message : String(x);
  const outer = e instanceof Error ? e.message : String(e);
  return inner === outer ? outer : `${outer}: ${inner}`;
};

/**
 * Waits until Kafka answers (an admin connection: a broker accepts it, authenticates it and serves the
 * cluster's metadata), trying again every second until the deadline, without logging kafkajs's own
 * retries. Throws `KafkaUnreachable` naming the brokers and the last failure, so a worker started before
 * its Kafka, or pointed at the wrong one, says so in one line instead of retrying for long with stack
 * traces. Returns early, without an error, when `signal` aborts (a stop asked for while waiting).
 */
export const awaitKafka = async (
  brokers: readonly string[],
  security: KafkaSecurity = {},
  deadlineMs: number = DEFAULT_CONNECT_TIMEOUT_MS,
  signal?: AbortSignal,
): Promise<void> => {
  mendKafkajsRequestQueue();
  const until = Date.now() + deadlineMs;
  let last: string;
  for (;;) {
    if (signal?.aborted === true) return;
    const left = until - Date.now();
    const admin = new Kafka({
      clientId: 'cryptostream-start',
      brokers: [...brokers],
      ...connectionOf(security),
      logLevel: logLevel.NOTHING,
      connectionTimeout: Math.max(100, Math.min(left, 5000)),
      authenticationTimeout: Math.max(100, Math.min(left, 5000)),
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      await admin.disconnect();
      return;
    } catch (e) {
      last = failureOf(e);
      await admin.disconnect().catch(() => undefined);
    }
    const wait = Math.min(1000, until - Date.now());
    if (wait <= 0)
      throw new KafkaUnreachable(
        `Kafka at ${brokers.join(',')} did not answer within ${deadlineMs / 1000} s (last failure: ${last})`,
      );
    await sleep(wait, signal);
  }
};

/** kafkajs's `ssl` and `sasl` options; the CA certificate is read from its file here. */
export const connectionOf = (security: KafkaSecurity = {}): Pick<KafkaConfig, 'ssl' | 'sasl'> => {
  const { tls, sasl } = security;
  return {
    ...(tls === undefined
      ? {}
      : { ssl: tls.caFile === undefined ? true : { ca: [readFileSync(tls.caFile, 'utf8')] } }),
    ...(sasl === undefined ? {} : { sasl: { ...sasl } as SASLOptions }),
  };
};

/**
 * A kafkajs client whose own logs go through pino (warnings and errors only; the passing states of a
 * broker at debug, see `kafkajsLogLevel`).
 */
export const makeKafka = (
  brokers: readonly string[],
  clientId: string,
  log: Logger,
  security: KafkaSecurity = {},
): Kafka => {
  // Where every kafkajs client of the project is made (with `awaitKafka`'s, and tests' `bareKafka`): kafkajs's
  // request queue mended before its first connection, so that idle connections do not spin (requestQueue.ts).
  mendKafkajsRequestQueue();
  return new Kafka({
    clientId,
    brokers: [...brokers],
    ...connectionOf(security),
    logLevel: logLevel.WARN,
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[kafkajsLogLevel(level, entry)]({ kafkajs: rest }, String(message));
      },
  });
};

/** Runs `f` with a connected admin client, disconnected after. */
export const withAdmin = async <T>(kafka: Kafka, f: (admin: Admin) => Promise<T>): Promise<T> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await f(admin);
  } finally {
    await admin.disconnect();
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
