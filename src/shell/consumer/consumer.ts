import type { Batch, Consumer } from 'kafkajs';
import { backoffDelay } from '../../core/binance/budget.ts';
import { enricher as makeEnricher, type IndicatorConfig } from '../../core/indicators/index.ts';
import { intervalMs, type Interval } from '../../core/kline/interval.ts';
import {
  batchSymbols,
  processBatch,
  type BatchContext,
  type BatchResult,
  type InMessage,
  type Stored,
} from '../../core/pipeline/batch.ts';
import { consumedDeadLetter } from '../../core/pipeline/deadLetter.ts';
import { deriver } from '../../core/pipeline/derivation.ts';
import { rewoundStates, withRewrites } from '../../core/pipeline/rewrite.ts';
import { replayed, replayRanges, type SymbolState } from '../../core/pipeline/snapshot.ts';
import {
  DEFAULT_INFLUX_TIMEOUT_MS,
  InfluxUnavailable,
  loadSnapshots,
  loadStoredPrices,
  probeBucket,
  requestBodies,
  writeBodies,
  type CallOptions,
  type InfluxTarget,
} from '../influx/influx.ts';
import { awaitKafka, makeKafka, makeProducer, withAdmin, type KafkaOptions } from '../kafka/client.ts';
import { textCache } from '../kafka/recordText.ts';
import { alertsTopicOf, createMissingTopics, dlqTopicOf, intervalTopics, topicOf } from '../kafka/topics.ts';
import type { Logger } from '../observability/logger.ts';
import { observeAll } from '../observability/histogram.ts';
import { metrics } from '../observability/metrics.ts';
import { sleep } from '../observability/sleep.ts';
import { derivationCheck, type DerivationCheck } from './derivationCheck.ts';
import { consumerReporter, type ConsumerReporter } from './report.ts';
import type { AlertRule } from '../../core/alerts/index.ts';
import { consumerAlerts, type BatchAlerts } from './alerts.ts';
import { consumerHealth, DEFAULT_RESTART_DEADLINE_MS, type ConsumerHealth } from './health.ts';
import { isRebalancing, whileBeating, type Beat } from './heartbeat.ts';
import { deadLettered, refusedRecords } from './refused.ts';
import { batchRewrites } from './rewind.ts';

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
  /** kafkajs session timeout: a member silent this long is evicted from the group; 30 s by default. */
  readonly sessionTimeoutMs?: number;
  /** Bound of each InfluxDB request (a write chunk, a Flux query, a bucket lookup); 60 s by default. */
  readonly influxTimeoutMs?: number;
  /** While no batch reaches InfluxDB, its buckets are looked up this often (readiness); 10 s by default. */
  readonly influxProbeMs?: number;
  /** How long kafkajs may take to rejoin after a crash it restarts from before the consumer counts as dead. */
  readonly restartDeadlineMs?: number;
  /** How often the `pipeline` health points are written to the raw bucket; `PIPELINE_REPORT_MS` by default. */
  readonly reportEveryMs?: number;
  /** The alert rules of this interval, evaluated on every enriched candle (none by default). */
  readonly alerts?: readonly AlertRule[];
  /** Where alerts are published; `alertsTopicOf(topicPrefix, interval)` by default. */
  readonly alertsTopic?: string;
};

/**
 * Candles per symbol between state snapshots. A snapshot (~1.4 KB with the default indicators) in every
 * batch was most of the bytes written at 2,000 symbols per second and doubled the p99 latency; a
 * takeover replays at most this many stored points per symbol instead.
 */
export const DEFAULT_SNAPSHOT_EVERY = 60;

export type ConsumerCounts = { consumed: number; stored: number; enriched: number; rejected: number };

export type ConsumerHandle = {
  /** Joined to its group, and InfluxDB's last answer was a success (`/readyz`). */
  readonly ready: () => boolean;
  /** False once the Kafka consumer crashed for good (`/healthz`): the process should exit. */
  readonly live: () => boolean;
  /** Why not ready or not live ('' when ready). */
  readonly reason: () => string;
  /** Resolves with the error once the Kafka consumer crashed for good (never otherwise). */
  readonly crashed: Promise<Error>;
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

/**
 * A stored batch's candles counted per symbol and reported, a symbol's run of candles at a time (a batch's
 * candles come symbol by symbol): their latencies from close to `now` in seconds (for the histogram), and
 * how many were enriched now. `closedBy` is `now` less one interval: a candle closes one interval after it opens.
 */
const countStored = (
  stored: readonly Stored[],
  counts: Map<string, ConsumerCounts>,
  reporter: Pick<ConsumerReporter, 'stored'>,
  closedBy: number,
): { endToEnd: number[]; enriched: number } => {
  const endToEnd: number[] = [];
  let enriched = 0;
  let c: ConsumerCounts | undefined;
  let symbol = '';
  for (const s of stored) {
    if (c === undefined || s.symbol !== symbol) c = countsOf(counts, (symbol = s.symbol));
    c.stored += 1;
    if (s.enriched) {
      c.enriched += 1;
      enriched += 1;
    }
    const latency = Math.max(0, closedBy - s.openTime);
    endToEnd.push(latency / 1000);
    reporter.stored(symbol, latency);
  }
  return { endToEnd, enriched };
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
  const alertsTopic = config.alertsTopic ?? alertsTopicOf(config.topicPrefix, interval);
  await withAdmin(kafka, (admin) => {
    const { data, dlq } = intervalTopics(config, interval);
    // The alerts' topic, as the operator's KafkaTopic describes it: one partition, the DLQ's retention.
    return createMissingTopics(admin, [data, dlq, { ...dlq, topic: alertsTopic }], log);
  });
  const producer = makeProducer(kafka);
  await producer.connect();
  const alerts = consumerAlerts(config.alerts ?? [], interval, alertsTopic, producer, config, log);
  const ruleCount = (config.alerts ?? []).length;
  const sessionTimeout = config.sessionTimeoutMs ?? 30_000;
  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    maxBytesPerPartition: config.maxBatchBytes ?? 1 << 20,
    maxBytes: 8 << 20,
    sessionTimeout,
    heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)),
  });
  const health = consumerHealth(config.restartDeadlineMs ?? DEFAULT_RESTART_DEADLINE_MS);
  const lag = lagGauge(topic);
  consumer.on(consumer.events.CRASH, ({ payload: { error, restart } }) => {
    if (restart) log.warn({ err: error, topic, interval }, 'Kafka consumer crashed; kafkajs restarts it');
    else
      log.fatal(
        { err: error, topic, interval },
        'Kafka consumer crashed for good (kafkajs does not restart it)',
      );
    lag.forget(new Set());
    health.crashed(error, restart);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });

  const stopping = new AbortController();
  const reporter = consumerReporter(config, interval, lag.total, log, config.reportEveryMs, undefined, check);
  const counts = new Map<string, ConsumerCounts>();
  const states = new Map<string, SymbolState>();
  /** Symbols whose state may be behind the stored points (see `reload`). */
  const unreplayed = new Set<string>();
  const snapshotEvery = config.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
  const influxTimeoutMs = config.influxTimeoutMs ?? DEFAULT_INFLUX_TIMEOUT_MS;
  /** kafkajs sends a heartbeat only once its interval passed: asking every second is cheap. */
  const beatEveryMs = Math.min(1000, Math.floor(sessionTimeout / 10));
  let loaded = false;
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    // New assignment: the states of symbols this member takes over are reloaded from InfluxDB.
    loaded = false;
    alerts.forget();
    health.joined();
    lag.forget(new Set(e.payload.memberAssignment[topic] ?? []));
    log.info({ topic, interval, assignment: e.payload.memberAssignment }, 'partitions assigned');
  });

  const rewindContext = {
    influx: config.influx,
    bucketEnriched: config.bucketEnriched,
    interval,
    enricher,
    log,
  };

  const reload = async (o: CallOptions) => {
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
      o,
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
  const catchUp = async (symbols: readonly string[], o: CallOptions) => {
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
      o,
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

  /** Record keys and versions: a few dozen texts, decoded once. */
  const text = textCache();

  /**
   * Runs an InfluxDB or Kafka call of a batch while heartbeating, bounded by `influxTimeoutMs` per
   * request and abandoned on stop or rebalance.
   */
  const pending =
    (beat: Beat) =>
    <T>(work: (o: CallOptions) => Promise<T>): Promise<T> =>
      whileBeating(
        (signal) => work({ timeoutMs: influxTimeoutMs, signal: AbortSignal.any([signal, stopping.signal]) }),
        beat,
        beatEveryMs,
        (e) => log.debug({ err: e, topic, interval }, 'heartbeat failed while waiting'),
      );

  const context = {
    interval,
    enricher,
    snapshotEvery,
    alerting: ruleCount > 0,
    ...(deriving === undefined ? {} : { deriver: deriving }),
  };

  /**
   * A batch processed, its alerts evaluated and published, and its request bodies built: of the batch's
   * records and result only what is reported after the writes is returned. The records' text, candles and
   * indicators (several MB of small objects per batch) die in `processed`, before the first await: kept
   * across the awaits (InfluxDB, Kafka), while the other batches in flight were processed, they were
   * copied by the scavenges that came meanwhile (see docs/benchmarks.md).
   */
  const prepare = async (batch: Batch, call: ReturnType<typeof pending>) => {
    if (unreplayed.size > 0) {
      // The keys only: the records (with their values' text) are built once, in `processed`.
      const symbols = batchSymbols(batch.messages.map((r) => ({ key: r.key == null ? null : text(r.key) })));
      await call((o) => catchUp(symbols, o));
    }
    const { result: first, consumed } = processed(batch, text, states, context);
    // Candles behind their symbol's state that were never enriched (a repaired hole): rewind and enrich again.
    const rewrites = await call((o) => batchRewrites(first, states, rewindContext, o));
    const result =
      rewrites.size === 0
        ? first
        : withRewrites(processed(batch, text, rewoundStates(states, rewrites), context).result, rewrites);
    // Alerts first: once a candle's points are stored, the alerts it fired were sent (at least once, by id).
    const fired = await call((o) => alerts.evaluate(result.alerting, o));
    await call(() => alerts.publish(fired.alerts));
    return {
      raw: result.raw.bodies,
      enriched: [...result.enriched.bodies, ...requestBodies(alerts.lines(fired.alerts))],
      kept: keptOf(result, consumed),
      fired,
    };
  };

  /** One try at storing a batch: its result with the records InfluxDB refused among the dead letters. */
  const attempt = async (batch: Batch, beat: Beat): Promise<StoredBatch> => {
    const call = pending(beat);
    if (!loaded) await call((o) => reload(o));
    const started = performance.now();
    const { raw, enriched, kept, fired } = await prepare(batch, call);
    const prepared = performance.now();
    // Both buckets at once; the snapshots travel with the enriched points they belong to.
    const refused = await call((o) =>
      Promise.all([
        writeBodies(config.influx, config.bucketRaw, raw, o),
        writeBodies(config.influx, config.bucketEnriched, enriched, o),
      ]),
    );
    health.influxAnswered();
    const timing = { processMs: prepared - started, writeMs: performance.now() - prepared };
    const out = withRefused(kept, () => inMessages(batch, text), refused.flat(), log, interval);
    if (out.deadLetters.length > 0)
      await call(() => producer.send({ topic: dlqTopic, messages: out.deadLetters.map(consumedDeadLetter) }));
    return { ...out, alerts: fired, timing };
  };

  /**
   * Tries a batch until it is stored, while `running`, with backoff (0.5 s … 10 s, heartbeating) on what
   * a retry can fix: InfluxDB unavailable or failing, Kafka unavailable for the dead letters. A rebalance
   * and anything else (a bug) go to kafkajs: it rejoins, or crashes and the consumer dies.
   */
  const store = async (
    batch: Batch,
    context: Record<string, unknown>,
    beat: Beat,
    running: () => boolean,
  ): Promise<StoredBatch | undefined> => {
    let failing = false;
    try {
      for (let n = 1; running(); n++) {
        try {
          return await attempt(batch, beat);
        } catch (e) {
          if (!retryable(e)) throw e;
          if (e instanceof InfluxUnavailable) {
            if (!failing) health.failingBatch(1);
            failing = true;
            health.influxFailed(e.message);
            m.influxFailures.inc();
          }
          const wait = backoffDelay(n, Math.random(), { baseMs: 500, maxMs: 10_000 });
          log.warn(
            { ...context, attempt: n, retryInMs: wait, err: e },
            'batch not stored; retrying (nothing committed)',
          );
          await pending(beat)(() => sleep(wait, stopping.signal));
        }
      }
      return undefined;
    } finally {
      if (failing) health.failingBatch(-1);
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
      const context = {
        topic: batch.topic,
        partition: batch.partition,
        offset: batch.firstOffset(),
        interval,
      };
      const running = () => !stopping.signal.aborted && isRunning() && !isStale();
      const out = await store(batch, context, heartbeat, running);
      if (out === undefined) {
        log.info(context, 'batch abandoned uncommitted; it will be delivered again');
        return;
      }
      for (const [s, st] of out.states) states.set(s, st);
      alerts.commit(out.alerts);
      const last = batch.lastOffset();
      resolveOffset(last);
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
      ]);
      const now = Date.now();
      const step = intervalMs[interval];
      for (const [key, n] of out.consumed) countsOf(counts, key).consumed += n;
      // Each histogram takes the batch's values at once (`observeAll`): one call per record was ~4 % of the CPU.
      const { endToEnd, enriched } = countStored(out.stored, counts, reporter, now - step);
      observeAll(m.endToEnd, { interval }, endToEnd);
      const publishedAt: number[] = [];
      const sincePublished: number[] = [];
      for (const r of batch.messages) {
        const t = Number(r.timestamp);
        publishedAt.push(t);
        sincePublished.push(Math.max(0, now - t) / 1000);
      }
      observeAll(m.pipelineLatency, { interval }, sincePublished);
      if (check !== undefined && (out.derived.length > 0 || out.derivationEvents.length > 0)) {
        check.add(out.derived, out.derivationEvents);
        void check.verify();
      }
      reporter.deadLettered(out.deadLetters.map((d) => d.problem.field));
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
      m.consumed.inc({ interval }, batch.messages.length);
      m.written.inc({ interval, kind: 'raw' }, out.stored.length);
      m.written.inc({ interval, kind: 'enriched' }, enriched);
      m.batchSize.observe({ interval }, batch.messages.length);
      lag.set(batch.partition, Number(batch.offsetLag()));
      log.debug(
        {
          ...context,
          count: batch.messages.length,
          latency: now - started,
          processMs: Math.round(out.timing.processMs * 10) / 10,
          writeMs: Math.round(out.timing.writeMs * 10) / 10,
        },
        'batch stored and committed',
      );
      onStored({ publishedAt, storedAt: now });
    },
  });
  const probe = probeInflux(config, health);
  void health.fatal.then(() => probe.stop());

  return {
    ready: health.ready,
    live: health.live,
    reason: health.reason,
    crashed: health.fatal,
    counts,
    ...(check === undefined ? {} : { derivation: check }),
    stop: async () => {
      stopping.abort();
      probe.stop();
      health.stop();
      check?.stop();
      await consumer.disconnect();
      await producer.disconnect();
      await reporter.stop();
    },
  };
};

/**
 * A batch's records as the core reads them: keys and versions through the consumer's `textCache`, each
 * record one object literal of a fixed shape, without a conditional spread (with the keys' decoding,
 * building the records took ~1 µs a record in a profiled drain: docs/benchmarks.md).
 */
const inMessages = (batch: Batch, text: (b: Buffer) => string): InMessage[] => {
  const { topic, partition } = batch;
  return batch.messages.map((r) => {
    const offset = r.offset;
    const key = r.key == null ? null : text(r.key);
    const value = r.value == null ? null : r.value.toString();
    const version = r.headers?.['schema-version'];
    if (version === undefined) return { topic, partition, offset, key, value };
    const schemaVersion = Buffer.isBuffer(version) ? text(version) : version.toString();
    return { topic, partition, offset, key, value, schemaVersion };
  });
};

/**
 * A batch processed at once (`processBatch` of its records), with its records counted by key (dead
 * letters without a usable key under `?`). The records' text dies here.
 */
const processed = (
  batch: Batch,
  text: (b: Buffer) => string,
  states: ReadonlyMap<string, SymbolState>,
  context: BatchContext,
): { result: BatchResult; consumed: ReadonlyMap<string, number> } => {
  const messages = inMessages(batch, text);
  const consumed = new Map<string, number>();
  for (const msg of messages) {
    const key = msg.key ?? '?';
    consumed.set(key, (consumed.get(key) ?? 0) + 1);
  }
  return { result: processBatch(messages, states, context), consumed };
};

/** A batch's result without its lines and what only rewrites and alerts read, with its records counted by key. */
type Kept = Omit<BatchResult, 'raw' | 'enriched' | 'behind' | 'alerting'> & {
  readonly consumed: ReadonlyMap<string, number>;
};

const keptOf = (
  { stored, deadLetters, derived, derivationEvents, states }: BatchResult,
  consumed: ReadonlyMap<string, number>,
): Kept => ({ stored, deadLetters, derived, derivationEvents, states, consumed });

/**
 * A batch stored: what is reported of its result, the alerts its candles fired, and how long its last
 * try took to process it (decode to request bodies, alerts published) and to write it (both buckets).
 */
type StoredBatch = Kept & {
  readonly alerts: BatchAlerts;
  readonly timing: { readonly processMs: number; readonly writeMs: number };
};

/** What a retry of the batch can fix; a rebalance and bugs (TypeError…) are not retried here. */
const retryable = (e: unknown): boolean =>
  e instanceof InfluxUnavailable || (e instanceof Error && e.name.startsWith('KafkaJS') && !isRebalancing(e));

/**
 * A batch's result without the candles InfluxDB refused for good (422): those records join the dead
 * letters; refused lines no record owns (a state snapshot, a derived candle) are logged.
 */
const withRefused = (
  result: Kept,
  /** The batch's records, read again only when InfluxDB refused some. */
  messages: () => readonly InMessage[],
  refused: Parameters<typeof refusedRecords>[1],
  log: Logger,
  interval: Interval,
): Kept => {
  if (refused.length === 0) return result;
  const { deadLetters, unowned } = refusedRecords(messages(), refused);
  if (unowned.length > 0)
    log.warn(
      { interval, count: unowned.length, reason: unowned[0]!.reason, line: unowned[0]!.line.slice(0, 200) },
      'InfluxDB refused points of no record (state snapshots, derived candles); they are not stored',
    );
  const isRefused = deadLettered(deadLetters);
  return {
    ...result,
    stored: result.stored.filter((s) => !isRefused(s)),
    deadLetters: [...result.deadLetters, ...deadLetters],
  };
};

/** The lag gauge of a topic's partitions; partitions this member no longer has are dropped from it. */
const lagGauge = (topic: string) => {
  const m = metrics();
  const known = new Map<number, number>();
  return {
    set: (partition: number, value: number) => {
      known.set(partition, value);
      m.lag.set({ topic, partition: String(partition) }, value);
    },
    forget: (keep: ReadonlySet<number>) => {
      for (const p of known.keys())
        if (!keep.has(p)) {
          m.lag.remove({ topic, partition: String(p) });
          known.delete(p);
        }
    },
    /** Records behind the ends of this member's partitions, after their last batches. */
    total: (): number => [...known.values()].reduce((a, b) => a + b, 0),
  };
};

/**
 * Looks the buckets up at start and then every `influxProbeMs` while no batch reached InfluxDB for that
 * long, so readiness says whether InfluxDB answers even before the first batch and while idle.
 */
const probeInflux = (config: ConsumerConfig, health: ConsumerHealth): { stop: () => void } => {
  const every = config.influxProbeMs ?? 10_000;
  const stopped = new AbortController();
  const loop = async () => {
    while (!stopped.signal.aborted) {
      if (health.probeDue(every)) {
        const o = {
          timeoutMs: config.influxTimeoutMs ?? DEFAULT_INFLUX_TIMEOUT_MS,
          signal: stopped.signal,
        };
        try {
          await probeBucket(config.influx, config.bucketRaw, o);
          await probeBucket(config.influx, config.bucketEnriched, o);
          health.probed('');
        } catch (e) {
          if (!stopped.signal.aborted) health.probed(e instanceof Error ? e.message : String(e));
        }
      }
      await sleep(Math.min(every, 1000), stopped.signal);
    }
  };
  void loop();
  return { stop: () => stopped.abort() };
};
