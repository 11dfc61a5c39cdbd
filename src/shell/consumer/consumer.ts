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
  type Body,
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
import { slots } from './slots.ts';
import { storedCandles, storedList, type StoredCandles } from './storedCandles.ts';

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

/**
 * Batches written to InfluxDB at once, whatever their partitions, while the next ones are processed: in
 * bench:pipeline (one InfluxDB on the consumer's machine) 2 stored the most candles per second, 3 made
 * each write half as slow again and held more batches in memory, 1 left InfluxDB idle between writes
 * (docs/benchmarks.md).
 */
const WRITES_AT_ONCE = 2;

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
 * A stored batch's candles counted per symbol and reported, a symbol's run of candles at a time: their
 * latencies from close to `now` in seconds (for the histogram), and how many were enriched now. `closedBy`
 * is `now` less one interval: a candle closes one interval after it opens.
 */
const countStored = (
  stored: StoredCandles,
  counts: Map<string, ConsumerCounts>,
  reporter: Pick<ConsumerReporter, 'stored'>,
  closedBy: number,
): { endToEnd: number[]; enriched: number } => {
  const endToEnd: number[] = [];
  let enriched = 0;
  let from = 0;
  stored.symbols.forEach((symbol, run) => {
    const c = countsOf(counts, symbol);
    const end = stored.ends[run]!;
    for (let i = from; i < end; i++) {
      c.stored += 1;
      if (stored.enriched[i] === 1) {
        c.enriched += 1;
        enriched += 1;
      }
      const latency = Math.max(0, closedBy - stored.openTimes[i]!);
      endToEnd.push(latency / 1000);
      reporter.stored(symbol, latency);
    }
    from = end;
  });
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
  /** This member's partitions (at its last join). */
  let assigned: ReadonlySet<number> = new Set();
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    // New assignment: the states of symbols this member takes over are reloaded from InfluxDB.
    loaded = false;
    alerts.forget();
    health.joined();
    assigned = new Set(e.payload.memberAssignment[topic] ?? []);
    lag.forget(assigned);
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
   * A batch processed from the states `from`, its alerts evaluated and published, and its request bodies
   * built: of the batch's records and result only what is reported after the writes is returned. The
   * records' text, candles and indicators (several MB of small objects per batch) die in `processed`,
   * before the first await: kept across the awaits (InfluxDB, Kafka), while the other batches in flight
   * were processed, they were copied by the scavenges that came meanwhile (see docs/benchmarks.md).
   * `afterPrevious` waits until the partition's batch being written is stored: it is called before
   * anything reads stored points (a rewind) or the alert state, and before returning.
   */
  const prepare = async (
    batch: Batch,
    call: ReturnType<typeof pending>,
    from: ReadonlyMap<string, SymbolState>,
    afterPrevious: () => Promise<void>,
  ) => {
    const { result: first, consumed } = processed(batch, text, from, context);
    if (first.behind.length > 0 || ruleCount > 0) await afterPrevious();
    // Candles behind their symbol's state that were never enriched (a repaired hole): rewind and enrich again.
    const rewrites = await call((o) => batchRewrites(first, from, rewindContext, o));
    const result =
      rewrites.size === 0
        ? first
        : withRewrites(processed(batch, text, rewoundStates(from, rewrites), context).result, rewrites);
    // Alerts first: once a candle's points are stored, the alerts it fired were sent (at least once, by id).
    const fired = await call((o) => alerts.evaluate(result.alerting, o));
    await call(() => alerts.publish(fired.alerts));
    await afterPrevious();
    return {
      raw: result.raw.bodies,
      enriched: [...result.enriched.bodies, ...requestBodies(alerts.lines(fired.alerts))],
      kept: keptOf(result, consumed),
      fired,
    };
  };

  /**
   * Tries `work` until it succeeds, while `running`, with backoff (0.5 s … 10 s, heartbeating) on what a
   * retry can fix: InfluxDB unavailable or failing, Kafka unavailable. Resolves `undefined` once no longer
   * running, or when the partition's previous batch was not stored (`Abandoned`). A rebalance and anything
   * else (a bug) are thrown: kafkajs rejoins, or crashes and the consumer dies.
   */
  const retrying = async <T>(
    context: Record<string, unknown>,
    beat: Beat,
    running: () => boolean,
    work: (call: ReturnType<typeof pending>) => Promise<T>,
  ): Promise<T | undefined> => {
    let failing = false;
    try {
      for (let n = 1; running(); n++) {
        try {
          return await work(pending(beat));
        } catch (e) {
          // Stopping (a call or the wait for a write slot aborted), or its partition's previous batch was
          // not stored: abandoned, uncommitted.
          if (e instanceof Abandoned || stopping.signal.aborted) return undefined;
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

  /**
   * A partition's batch being written after its handler returned (one at a time per partition): the
   * states of its symbols it stores (the partition's next batch is processed from them until they are),
   * whether it was stored and committed, and its first offset. One not stored stays here, `failed`, until
   * its partition is read again from it: the batches fetched after it are not written meanwhile.
   */
  const writing = new Map<number, Writing>();
  /** Batches written at once, whatever their partitions: more do not store faster, and hold their bodies. */
  const writeSlots = slots(WRITES_AT_ONCE);
  /**
   * Partitions whose batches up to an offset are written before their handler returns: one whose write
   * InfluxDB partly refused after its handler returned, so that its records, which the dead letters need
   * and a write behind does not keep (they hold kafkajs's fetch buffer), are read again.
   */
  const inHandlerUntil = new Map<number, bigint>();
  /**
   * The error a batch failed with after its handler returned: the next handler throws it, so kafkajs
   * restarts or crashes the consumer as for an error of its own handler.
   */
  let failure: { readonly error: unknown } | undefined;

  /** The states a batch is processed from: the stored ones, with those its partition's batch being written stores. */
  const statesAfter = (behind: Writing | undefined): ReadonlyMap<string, SymbolState> => {
    if (behind === undefined || behind.states.size === 0) return states;
    const view = new Map(states);
    for (const [s, st] of behind.states) view.set(s, st);
    return view;
  };

  /** Resolves once no batch is being written (each stored or not). */
  const settled = async (): Promise<void> => {
    await Promise.all([...writing.values()].map((w) => w.done));
  };

  /**
   * A batch read, processed and given a write slot, once the partition's batch being written (`behind`)
   * is stored; `undefined` when abandoned (stopped, stale, or `behind` not stored).
   */
  const prepared = (
    batch: Batch,
    context: Record<string, unknown>,
    beat: Beat,
    running: () => boolean,
    behind: Writing | undefined,
  ) =>
    retrying(context, beat, running, async (call) => {
      if (!loaded) await call((o) => reload(o));
      if (unreplayed.size > 0) {
        // The keys only: the records (with their values' text) are built once, in `processed`.
        const symbols = batchSymbols(
          batch.messages.map((r) => ({ key: r.key == null ? null : text(r.key) })),
        );
        await call((o) => catchUp(symbols, o));
      }
      const started = performance.now();
      let waitedMs = 0;
      let waited = behind === undefined;
      const afterPrevious = async () => {
        if (waited) return;
        waited = true;
        const since = performance.now();
        const stored = await call(() => behind!.done);
        waitedMs += performance.now() - since;
        if (!stored) throw new Abandoned();
      };
      const out = await prepare(batch, call, statesAfter(behind), afterPrevious);
      const since = performance.now();
      const release = await call((o) => writeSlots.acquire(o.signal));
      return { ...out, release, processMs: since - started - waitedMs };
    });

  /**
   * A prepared batch written to both buckets (the snapshots travel with the enriched points they belong
   * to), its dead letters sent, its offsets committed and its counts reported. `records` reads the batch's
   * records again for the dead letters of points InfluxDB refused; without it (written after its handler
   * returned) such a batch is not stored and is `refused`. Resolves `stored`, or `abandoned` once no
   * longer running; throws what `retrying` throws.
   */
  const written = async (
    p: Prepared,
    h: Handover,
    beat: Beat,
    running: () => boolean,
    records?: () => readonly InMessage[],
  ): Promise<'stored' | 'abandoned' | 'refused'> => {
    const started = performance.now();
    const refused = await retrying(h.context, beat, running, (call) =>
      call((o) =>
        // Both settled before either's failure is thrown: no request of these bodies outlives the call.
        bothSettled(
          writeBodies(config.influx, config.bucketRaw, p.raw, o),
          writeBodies(config.influx, config.bucketEnriched, p.enriched, o),
        ),
      ),
    ).finally(() => {
      p.release();
      discard(p.raw);
      discard(p.enriched);
    });
    if (refused === undefined) return 'abandoned';
    health.influxAnswered();
    const writeMs = performance.now() - started;
    const rejected = refused.flat();
    if (rejected.length > 0 && records === undefined) return 'refused';
    const out = withRefused(p.kept, records ?? (() => []), rejected, log, interval);
    if (out.deadLetters.length > 0) {
      const sent = await retrying(h.context, beat, running, (call) =>
        call(() => producer.send({ topic: dlqTopic, messages: out.deadLetters.map(consumedDeadLetter) })),
      );
      if (sent === undefined) return 'abandoned';
    }
    await committed(out, p.fired, h, { processMs: p.processMs, writeMs });
    return 'stored';
  };

  /** A stored batch: its states kept, its alerts' state, its offsets committed, its counts and metrics. */
  const committed = async (
    out: Kept,
    fired: BatchAlerts,
    h: Handover,
    timing: { readonly processMs: number; readonly writeMs: number },
  ) => {
    for (const [s, st] of out.states) states.set(s, st);
    alerts.commit(fired);
    await consumer.commitOffsets([
      { topic, partition: h.partition, offset: (BigInt(h.last) + 1n).toString() },
    ]);
    const now = Date.now();
    for (const [key, n] of out.consumed) countsOf(counts, key).consumed += n;
    // Each histogram takes the batch's values at once (`observeAll`): one call per record was ~4 % of the CPU.
    const { endToEnd, enriched } = countStored(out.stored, counts, reporter, now - intervalMs[interval]);
    observeAll(m.endToEnd, { interval }, endToEnd);
    const sincePublished = h.publishedAt.map((t) => Math.max(0, now - t) / 1000);
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
    m.consumed.inc({ interval }, h.publishedAt.length);
    m.written.inc({ interval, kind: 'raw' }, out.stored.openTimes.length);
    m.written.inc({ interval, kind: 'enriched' }, enriched);
    m.batchSize.observe({ interval }, h.publishedAt.length);
    lag.set(h.partition, h.offsetLag);
    log.debug(
      {
        ...h.context,
        count: h.publishedAt.length,
        latency: now - h.started,
        processMs: Math.round(timing.processMs * 10) / 10,
        writeMs: Math.round(timing.writeMs * 10) / 10,
      },
      'batch stored and committed',
    );
    onStored({ publishedAt: h.publishedAt, storedAt: now });
  };

  /**
   * A batch written after its handler returned was not stored. Unless the consumer is stopping, its
   * partition, while this member has it, is read again from the batch (its offset was resolved when its
   * handler returned, so kafkajs would fetch past it); whoever gets the partition otherwise reads it from
   * the committed offset. An error other than a rebalance is thrown by the next handler, so kafkajs
   * restarts or crashes the consumer as for an error of its own handler.
   */
  const notStored = (h: Handover, why: 'abandoned' | 'refused' | { readonly error: unknown }) => {
    if (why === 'refused') inHandlerUntil.set(h.partition, BigInt(h.last));
    if (typeof why === 'object' && !isRebalancing(why.error) && !stopping.signal.aborted) failure ??= why;
    const err = typeof why === 'object' ? why.error : undefined;
    if (stopping.signal.aborted || !assigned.has(h.partition)) {
      log.info({ ...h.context, err }, 'batch abandoned uncommitted; it will be delivered again');
      return;
    }
    log.info(
      { ...h.context, err, why: typeof why === 'string' ? why : 'failed' },
      'batch written behind not stored; its partition is read again from it',
    );
    try {
      consumer.seek({ topic, partition: h.partition, offset: h.from.toString() });
    } catch (seekError) {
      // The consumer is stopping or restarting: it reads again from the committed offset when it rejoins.
      log.warn({ ...h.context, err: seekError }, 'could not seek back to the batch not stored');
    }
  };

  /** Whether a batch's handler may go on: not stopping, kafkajs running, its partition not sought. */
  const runningOf = (isRunning: () => boolean, isStale: () => boolean) => (): boolean =>
    !stopping.signal.aborted && isRunning() && !isStale();

  /**
   * A batch handled: the offset to resolve once it is stored, or once its write started behind the
   * handler; `undefined` when it was abandoned uncommitted (it is delivered again). Nothing that outlives
   * this call (the write behind) holds `batch`: its records hold their whole fetch's buffer.
   */
  const handled = async (batch: Batch, beat: Beat, running: () => boolean): Promise<string | undefined> => {
    const h = handover(batch, interval);
    const { partition, from } = h;
    const abandoned = (why: string) => {
      log.info({ ...h.context, why }, 'batch abandoned uncommitted; it will be delivered again');
      return undefined;
    };
    // New partitions: the batches being written are stored or not before the states are read again.
    if (!loaded) {
      await pending(beat)(settled);
      // After a join kafkajs reads each partition from its committed offset: none is past a batch not
      // stored. (Another handler of this fetch may have handed a batch over meanwhile: it stays.)
      for (const [p, w] of writing) if (w.failed) writing.delete(p);
    }
    let behind = writing.get(partition);
    if (behind?.failed === true) {
      // Fetched past a batch that was not stored, before the partition is read again from it.
      if (from > behind.from) return abandoned('its partition is read again from an earlier batch');
      writing.delete(partition);
      behind = undefined;
    }
    const p = await prepared(batch, h.context, beat, running, behind);
    if (p === undefined) return abandoned('stopped, stale, or its partition’s previous batch not stored');
    if (from <= (inHandlerUntil.get(partition) ?? -1n)) {
      const outcome = await written(p, h, beat, running, () => inMessages(batch, text));
      if (outcome !== 'stored') return abandoned(outcome);
      if (BigInt(h.last) >= inHandlerUntil.get(partition)!) inHandlerUntil.delete(partition);
      return h.last;
    }
    writeBehind(p, h, beat, running);
    return h.last;
  };

  /** A prepared batch written after its handler returns, as its partition's batch being written. */
  const writeBehind = (p: Prepared, h: Handover, beat: Beat, running: () => boolean) => {
    const self: Writing = {
      states: p.kept.states,
      from: h.from,
      failed: false,
      done: Promise.resolve(false),
    };
    self.done = written(p, h, beat, running).then(
      (outcome) => {
        if (outcome !== 'stored') notStored(h, outcome);
        return outcome === 'stored';
      },
      (error: unknown) => {
        notStored(h, { error });
        return false;
      },
    );
    void self.done.then((stored) => {
      if (!stored) self.failed = true;
      else if (writing.get(h.partition) === self) writing.delete(h.partition);
    });
    writing.set(h.partition, self);
  };

  await consumer.run({
    autoCommit: false,
    // Partitions are independent (a symbol lives in one), so their batches may be stored concurrently.
    partitionsConsumedConcurrently: 3,
    eachBatchAutoResolve: false,
    /*
     * A batch is processed, then written once its partition's previous batch is stored and committed, and
     * the handler returns as soon as its write starts (its offset resolved, not committed): kafkajs fetches
     * the next batches while the writes go on, so their processing overlaps InfluxDB's work instead of
     * waiting for it. A batch is committed only once stored, in order, one written at a time per partition.
     */
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
      if (failure !== undefined) {
        const { error } = failure;
        failure = undefined;
        throw error;
      }
      if (batch.messages.length === 0) return;
      const last = await handled(batch, heartbeat, runningOf(isRunning, isStale));
      if (last !== undefined) resolveOffset(last);
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
      // The batches being written end at once (their calls are aborted), uncommitted unless stored.
      await settled();
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
type Kept = Omit<BatchResult, 'raw' | 'enriched' | 'behind' | 'alerting' | 'stored'> & {
  readonly stored: StoredCandles;
  readonly consumed: ReadonlyMap<string, number>;
};

const keptOf = (
  { stored, deadLetters, derived, derivationEvents, states }: BatchResult,
  consumed: ReadonlyMap<string, number>,
): Kept => ({ stored: storedCandles(stored), deadLetters, derived, derivationEvents, states, consumed });

/** A batch's records processed into request bodies, with a write slot (see `prepared` in `startConsumer`). */
type Prepared = {
  readonly raw: readonly Body[];
  readonly enriched: readonly Body[];
  readonly kept: Kept;
  readonly fired: BatchAlerts;
  /** Gives the write slot back. */
  readonly release: () => void;
  /** How long its processing took (decode to request bodies, alerts published), waits left out. */
  readonly processMs: number;
};

/**
 * What a batch's write and report read of kafkajs's batch, taken before its handler returns: a write
 * behind keeps none of the batch, whose records hold their whole fetch's buffer.
 */
type Handover = {
  readonly context: Record<string, unknown>;
  readonly partition: number;
  readonly from: bigint;
  readonly last: string;
  readonly offsetLag: number;
  /** When its records were published (ms), one per record. */
  readonly publishedAt: readonly number[];
  /** When its handler started (ms). */
  readonly started: number;
};

const handover = (batch: Batch, interval: Interval): Handover => ({
  context: { topic: batch.topic, partition: batch.partition, offset: batch.firstOffset(), interval },
  partition: batch.partition,
  from: BigInt(batch.firstOffset()!),
  last: batch.lastOffset(),
  offsetLag: Number(batch.offsetLag()),
  publishedAt: batch.messages.map((r) => Number(r.timestamp)),
  started: Date.now(),
});

/** Both results once both promises settled; the first one's failure otherwise (`Promise.all` rejects at once). */
const bothSettled = async <A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> => {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
  return [x.value, y.value];
};

/**
 * Frees the bytes of request bodies once written. An ArrayBuffer's memory is otherwise given back only
 * when the garbage collector finds its object dead, and a body written behind the next batches' processing
 * lives through their scavenges into the old generation, where that waits for a full collection
 * (docs/benchmarks.md). Each body is a view of a buffer of its own (`lineWriter`), read by nothing else,
 * and called only once every request that sent it ended: its body written out (`postBody` resolves only
 * then) or the request destroyed (aborted, timed out), so no socket still reads the bytes.
 */
const discard = (bodies: readonly Body[]) => {
  for (const b of bodies) {
    const buffer = typeof b === 'string' ? undefined : (b.buffer as ArrayBuffer);
    if (buffer !== undefined && !buffer.detached) buffer.transfer(0);
  }
};

/** A partition's batch being written after its handler returned (see `writing` in `startConsumer`). */
type Writing = {
  readonly states: ReadonlyMap<string, SymbolState>;
  readonly from: bigint;
  failed: boolean;
  done: Promise<boolean>;
};

/** Thrown by a try at a batch whose partition's previous batch was not stored: it is not written either. */
class Abandoned extends Error {}

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
    stored: storedCandles(storedList(result.stored), (s) => !isRefused(s)),
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
