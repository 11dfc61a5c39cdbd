import type { Consumer } from 'kafkajs';
import { backoffDelay } from '../../core/binance/budget.ts';
import { enricher as makeEnricher, type IndicatorConfig } from '../../core/indicators/index.ts';
import { intervalMs, type Interval } from '../../core/kline/interval.ts';
import { batchSymbols, processBatch, type InMessage } from '../../core/pipeline/batch.ts';
import { consumedDeadLetter } from '../../core/pipeline/deadLetter.ts';
import { deriver } from '../../core/pipeline/derivation.ts';
import { replayed, replayRanges, type SymbolState } from '../../core/pipeline/snapshot.ts';
import { loadSnapshots, loadStoredPrices, writeLines, type InfluxTarget } from '../influx/influx.ts';
import {
  awaitKafka,
  dlqTopicOf,
  ensureTopics,
  intervalTopics,
  makeKafka,
  makeProducer,
  topicOf,
  type KafkaOptions,
} from '../kafka/client.ts';
import type { Logger } from '../observability/logger.ts';
import { metrics } from '../observability/metrics.ts';
import { sleep } from '../observability/sleep.ts';
import { derivationCheck, type DerivationCheck } from './derivationCheck.ts';

export type ConsumerConfig = KafkaOptions & {
  readonly interval: Interval;
  /** Consumer group; `consumer-<interval>` by default. */
  readonly groupId: string;
  readonly influx: InfluxTarget;
  readonly bucketRaw: string;
  readonly bucketEnriched: string;
  readonly indicators: IndicatorConfig;
  /** Upper bound of one fetch per partition (bounds memory per batch); 1 MiB by default. */
  readonly maxBatchBytes?: number;
  /** Coarser intervals to derive from this interval's candles and compare with the exchange's (data quality). */
  readonly derive?: readonly Interval[];
  /** A symbol's state snapshot is saved every this many of its candles; `DEFAULT_SNAPSHOT_EVERY` by default. */
  readonly snapshotEvery?: number;
};

/**
 * Candles per symbol between state snapshots. A snapshot (~1.4 KB with the default indicators) in every
 * batch was most of the bytes written at 2,000 symbols per second and doubled the p99 latency; a
 * takeover replays at most this many stored points per symbol instead.
 */
export const DEFAULT_SNAPSHOT_EVERY = 60;

export type ConsumerCounts = { consumed: number; stored: number; enriched: number; rejected: number };

export type ConsumerHandle = {
  readonly ready: () => boolean;
  /** Counts per symbol (dead letters without a usable key count under their key or `?`). */
  readonly counts: ReadonlyMap<string, ConsumerCounts>;
  /** The comparison of derived candles with the exchange's (with `derive`). */
  readonly derivation?: DerivationCheck;
  /** Stops consuming: an in-flight batch finishes or is abandoned uncommitted; resolves when disconnected. */
  readonly stop: () => Promise<void>;
};

const countsOf = (map: Map<string, ConsumerCounts>, symbol: string): ConsumerCounts => {
  let c = map.get(symbol);
  if (c === undefined) map.set(symbol, (c = { consumed: 0, stored: 0, enriched: 0, rejected: 0 }));
  return c;
};

/** Called after each stored and committed batch (benchmarks measure latency with it). */
export type BatchObserver = (batch: {
  readonly publishedAt: readonly number[];
  readonly storedAt: number;
}) => void;

/**
 * The consumer: batches from `<prefix><interval>` → validate (invalid → `<topic>-dlq`) → enrich per
 * symbol from its stored state → write raw points, enriched points and the state snapshots to InfluxDB →
 * commit. A batch InfluxDB refuses is retried with backoff (its partition delivers nothing new meanwhile)
 * and committed only once stored, so nothing is lost and nothing is enriched twice.
 */
export const startConsumer = async (
  config: ConsumerConfig,
  log: Logger,
  onStored: BatchObserver = () => undefined,
  /** A stop asked for while Kafka is awaited at start: throws its reason instead of connecting. */
  signal?: AbortSignal,
): Promise<ConsumerHandle> => {
  const m = metrics();
  const { interval } = config;
  const topic = topicOf(config.topicPrefix, interval);
  const dlqTopic = dlqTopicOf(topic);
  const enricher = makeEnricher(config.indicators);
  const derivation = deriver(interval, config.derive ?? []);
  if (!derivation.ok) throw new Error(`--derive: ${derivation.error}`);
  const deriving = (config.derive ?? []).length > 0 ? derivation.value : undefined;
  const check = deriving === undefined ? undefined : derivationCheck(config.influx, config.bucketRaw, log);
  await awaitKafka(config.brokers, config.security, config.connectTimeoutMs, signal);
  signal?.throwIfAborted();
  const kafka = makeKafka(config.brokers, `consumer-${interval}`, log, config.security);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { data, dlq } = intervalTopics(config, interval);
    const created = await ensureTopics(admin, [data, dlq]);
    if (created.length > 0) log.info({ topics: created }, 'created the missing topics');
  } finally {
    await admin.disconnect();
  }
  const producer = makeProducer(kafka);
  await producer.connect();
  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    maxBytesPerPartition: config.maxBatchBytes ?? 1 << 20,
    maxBytes: 8 << 20,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });

  const stopping = new AbortController();
  const counts = new Map<string, ConsumerCounts>();
  const states = new Map<string, SymbolState>();
  /** Symbols whose state may be behind the stored points (see `reload`). */
  const unreplayed = new Set<string>();
  const snapshotEvery = config.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
  let loaded = false;
  let healthy = false;
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    // New assignment: the states of symbols this member takes over are reloaded from InfluxDB.
    loaded = false;
    log.info({ topic, interval, assignment: e.payload.memberAssignment }, 'partitions assigned');
  });

  const reload = async () => {
    const loadedStates = await loadSnapshots(
      config.influx,
      config.bucketEnriched,
      interval,
      enricher,
      (symbol, reason) =>
        log.warn(
          { symbol, interval, reason },
          'stored indicator state ignored; the symbol starts from an empty state',
        ),
    );
    // Every state in memory was stored before it was kept, so the newer of the two is the right one (a
    // batch of another partition may have stored a newer state while this query ran).
    for (const [s, st] of loadedStates)
      if (st.lastOpenTime > (states.get(s)?.lastOpenTime ?? Number.NEGATIVE_INFINITY)) states.set(s, st);
    // Either may be behind the points stored since (snapshots are not written every batch, and another
    // member may have had the symbol meanwhile): each is replayed before its symbol's next batch.
    for (const s of states.keys()) unreplayed.add(s);
    loaded = true;
  };

  /** Brings the states of a batch's symbols up to the enriched points stored after them. */
  const catchUp = async (symbols: readonly string[]) => {
    const since = new Map<string, number>();
    for (const s of symbols) {
      if (!unreplayed.has(s)) continue;
      const st = states.get(s);
      if (st === undefined) unreplayed.delete(s);
      else since.set(s, st.lastOpenTime);
    }
    if (since.size === 0) return;
    const prices = await loadStoredPrices(
      config.influx,
      config.bucketEnriched,
      interval,
      replayRanges(since, 4 * snapshotEvery * intervalMs[interval]),
    );
    for (const s of since.keys()) {
      const before = states.get(s)!;
      const after = replayed(enricher, before, prices.get(s) ?? []);
      if (after !== before)
        log.info(
          { symbol: s, interval, from: before.lastOpenTime, to: after.lastOpenTime },
          'indicator state replayed from stored points',
        );
      states.set(s, after);
      unreplayed.delete(s);
    }
  };

  await consumer.run({
    autoCommit: false,
    // Partitions are independent (a symbol lives in one), so their batches may be stored concurrently.
    partitionsConsumedConcurrently: 3,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
      if (batch.messages.length === 0) return;
      const started = Date.now();
      const messages: InMessage[] = batch.messages.map((r) => ({
        topic: batch.topic,
        partition: batch.partition,
        offset: r.offset,
        key: r.key?.toString() ?? null,
        value: r.value?.toString() ?? null,
      }));
      const context = {
        topic: batch.topic,
        partition: batch.partition,
        offset: batch.firstOffset(),
        interval,
      };
      let out: ReturnType<typeof processBatch> | undefined;
      for (let attempt = 1; !stopping.signal.aborted && isRunning() && !isStale(); attempt++) {
        try {
          if (!loaded) await reload();
          if (unreplayed.size > 0) await catchUp(batchSymbols(messages));
          const result = processBatch(messages, states, {
            interval,
            enricher,
            snapshotEvery,
            ...(deriving === undefined ? {} : { deriver: deriving }),
          });
          // Both buckets at once; the snapshots travel with the enriched points they belong to.
          await Promise.all([
            writeLines(config.influx, config.bucketRaw, result.rawLines),
            writeLines(config.influx, config.bucketEnriched, result.enrichedLines),
          ]);
          if (result.deadLetters.length > 0)
            await producer.send({ topic: dlqTopic, messages: result.deadLetters.map(consumedDeadLetter) });
          out = result;
          healthy = true;
          break;
        } catch (e) {
          healthy = false;
          m.influxFailures.inc();
          const wait = backoffDelay(attempt, Math.random(), { baseMs: 500, maxMs: 10_000 });
          log.warn(
            { ...context, attempt, retryInMs: wait, err: e },
            'batch not stored; retrying (nothing committed)',
          );
          await heartbeat().catch(() => undefined);
          await sleep(wait, stopping.signal);
        }
      }
      if (out === undefined) {
        log.info(context, 'batch abandoned uncommitted; it will be delivered again');
        return;
      }
      for (const [s, st] of out.states) states.set(s, st);
      const last = batch.lastOffset();
      resolveOffset(last);
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
      ]);
      const now = Date.now();
      const step = intervalMs[interval];
      for (const msg of messages) countsOf(counts, msg.key ?? '?').consumed += 1;
      for (const s of out.stored) {
        const c = countsOf(counts, s.candle.symbol);
        c.stored += 1;
        if (s.enriched) c.enriched += 1;
        m.endToEnd.observe({ interval }, Math.max(0, now - (s.candle.openTime + step)) / 1000);
      }
      const publishedAt = batch.messages.map((r) => Number(r.timestamp));
      for (const t of publishedAt) m.pipelineLatency.observe({ interval }, Math.max(0, now - t) / 1000);
      onStored({ publishedAt, storedAt: now });
      if (check !== undefined && (out.derived.length > 0 || out.derivationEvents.length > 0)) {
        check.add(out.derived, out.derivationEvents);
        void check.verify();
      }
      for (const d of out.deadLetters) {
        countsOf(counts, d.message.key ?? '?').rejected += 1;
        m.deadLetters.inc({ interval, field: d.problem.field ?? '' });
        log.warn(
          {
            topic: d.message.topic,
            partition: d.message.partition,
            offset: d.message.offset,
            interval,
            symbol: d.message.key,
            reason: d.problem.reason,
            field: d.problem.field,
          },
          'record sent to the dead-letter topic',
        );
      }
      m.consumed.inc({ interval }, messages.length);
      m.written.inc({ interval, kind: 'raw' }, out.stored.length);
      m.written.inc({ interval, kind: 'enriched' }, out.stored.filter((s) => s.enriched).length);
      m.batchSize.observe({ interval }, messages.length);
      m.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
      log.debug({ ...context, count: messages.length, latency: now - started }, 'batch stored and committed');
    },
  });
  healthy = true;

  return {
    ready: () => healthy,
    counts,
    ...(check === undefined ? {} : { derivation: check }),
    stop: async () => {
      stopping.abort();
      check?.stop();
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
};
