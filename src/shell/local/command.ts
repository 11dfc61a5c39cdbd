import { parseArgs } from 'node:util';
import { defaultBackfillFrom } from '../../core/binance/backfill.ts';
import { defaultIndicatorConfig, warmUpCandles } from '../../core/indicators/index.ts';
import { derivationPlan } from '../../core/pipeline/derivation.ts';
import { isInterval, type Interval } from '../../core/kline/interval.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitStatusHelp } from '../cli/command.ts';
import { exitOnUnreachable, InfluxDBUnreachable } from '../cli/unreachable.ts';
import { awaitKafka, KafkaUnreachable } from '../kafka/client.ts';
import { startConsumer, type ConsumerHandle } from '../consumer/consumer.ts';
import { countPoints } from '../influx/influx.ts';
import { serveWorkerHttp } from '../observability/http.ts';
import { logLevels } from '../observability/logger.ts';
import { metrics } from '../observability/metrics.ts';
import { ISO_TIME_FORMS, isoTime, positiveInt } from '../observability/settings.ts';
import { onShutdown } from '../observability/shutdown.ts';
import { sleep } from '../observability/sleep.ts';
import { symbolsSetting } from '../producer/command.ts';
import { runProducer, type SymbolCounts } from '../producer/producer.ts';
import { awaitInfluxDB, probeInfluxDB } from './influxdb.ts';
import { localLogger } from './logger.ts';
import {
  lagOf,
  progressBlock,
  progressLines,
  progressMark,
  table,
  watchStall,
  type MarketProgress,
  type ProgressSnapshot,
  type StallWatch,
} from './progress.ts';
import { screenOf } from './screen.ts';
import { localServices } from './services.ts';

const DEFAULT_STALL_TIMEOUT_S = 60;

const usage = `Usage: cryptostream local [options]

Runs one producer for every interval and one consumer per interval in this process against the local
services of \`npm run services:up\` (started when .services/env is missing; CRYPTOSTREAM_SERVICES_ENV names
another file of the same keys). It first checks that Kafka and InfluxDB answer (InfluxDB: the token and both
buckets), then shows its progress on stderr: fetched,
published, stored, consumer lag and rejected records per market, and the errors so far — on a terminal a
block rewritten in place every second, otherwise a line per market that moved, every 5 s.

  --symbols S,S…       Binance symbols [BTCUSDC,ETHUSDC,XRPUSDC,SOLUSDC]
  --intervals I,I…     intervals [1s,1m,15m,1h,1d]
  --binance-url URL    REST base URL [https://data-api.binance.vision]
  --from TIME          start of the backfill [per interval: the indicators' warm-up, at least 24 h]
  --to TIME            end (exclusive, open times): backfill [from, to), wait until every candle is stored
                       in InfluxDB, print a summary per symbol and interval on stdout, exit 0
                       (without --to: live until Ctrl-C)
                       TIME: ${ISO_TIME_FORMS.replace('a date (', 'a date in UTC (')}
  --connect-timeout S  seconds to wait at start for Kafka and for InfluxDB to answer [20]
  --stall-timeout S    seconds without progress while candles wait to be stored before giving up with
                       an error naming what failed (Kafka, InfluxDB) [${DEFAULT_STALL_TIMEOUT_S}; 0: wait forever]
  --topic-prefix P     [prices-]; with another prefix the groups are <prefix>consumer-<interval>
  --bucket-raw B       InfluxDB bucket of the raw points [INFLUX_BUCKET_RAW of .services/env]
  --bucket-enriched B  InfluxDB bucket of the enriched points [INFLUX_BUCKET_ENRICHED of .services/env]
  --http-port N        /metrics, /healthz, /readyz [0: any free port]
  --log-level L        pino level of the JSON logs on stderr [warn]

${exitStatusHelp('local')}`;

/** The run cannot go on: it stopped moving and neither Kafka nor InfluxDB is at fault, or a consumer crashed. */
class RunFailed extends Error {
  override readonly name = 'RunFailed';
}

export const run = async (argv: readonly string[]): Promise<number> => {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        symbols: { type: 'string', default: 'BTCUSDC,ETHUSDC,XRPUSDC,SOLUSDC' },
        intervals: { type: 'string', default: '1s,1m,15m,1h,1d' },
        'binance-url': { type: 'string', default: 'https://data-api.binance.vision' },
        from: { type: 'string' },
        to: { type: 'string' },
        'connect-timeout': { type: 'string', default: '20' },
        'stall-timeout': { type: 'string', default: String(DEFAULT_STALL_TIMEOUT_S) },
        'topic-prefix': { type: 'string', default: 'prices-' },
        'bucket-raw': { type: 'string' },
        'bucket-enriched': { type: 'string' },
        'http-port': { type: 'string', default: '0' },
        'log-level': { type: 'string', default: 'warn' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  if (values.help === true) {
    process.stdout.write(`${usage}\n`);
    return EXIT_OK;
  }
  const symbols = symbolsSetting(values.symbols);
  if (!symbols.ok) return fail(symbols.error);
  const intervals = values.intervals.split(',').map((s) => s.trim()) as Interval[];
  const badInterval = intervals.find((i) => !isInterval(i));
  if (badInterval !== undefined || intervals.length === 0)
    return fail(`--intervals: not an interval: ${JSON.stringify(badInterval)}`);
  const from = isoTime('from', values.from);
  if (!from.ok) return fail(from.error);
  const to = isoTime('to', values.to);
  if (!to.ok) return fail(to.error);
  const port = positiveInt('http-port', values['http-port']);
  if (!port.ok) return fail(port.error);
  const connectTimeout = positiveInt('connect-timeout', values['connect-timeout']);
  if (!connectTimeout.ok) return fail(connectTimeout.error);
  if (connectTimeout.value < 1) return fail('--connect-timeout must be at least 1 (seconds), got 0');
  const connectTimeoutMs = connectTimeout.value * 1000;
  const stallTimeout = positiveInt('stall-timeout', values['stall-timeout']);
  if (!stallTimeout.ok) return fail(stallTimeout.error);
  const level = values['log-level'];
  if (!(logLevels as readonly string[]).includes(level))
    return fail(`--log-level needs one of ${logLevels.join(' ')}, got ${JSON.stringify(level)}`);
  const now = Date.now();
  // Without --from each interval starts far enough back for the warm-up of every indicator.
  const startOf = (interval: Interval): number =>
    from.value ?? defaultBackfillFrom(interval, warmUpCandles(defaultIndicatorConfig), now);
  const start = Math.min(...intervals.map(startOf));
  if (to.value !== undefined && to.value <= start) return fail('--to must be after --from');

  const screen = screenOf(process.stderr);
  const { log, lastProblem, quiet } = localLogger(level, screen);
  const say = (line: string) => screen.print(`cryptostream local: ${line}\n`);
  const services = await localServices();
  const svc = {
    ...services,
    bucketRaw: values['bucket-raw'] ?? services.bucketRaw,
    bucketEnriched: values['bucket-enriched'] ?? services.bucketEnriched,
  };
  const buckets = [svc.bucketRaw, svc.bucketEnriched];
  const stop = new AbortController();
  const release = onShutdown(log, () => stop.abort());
  const consumers: ConsumerHandle[] = [];
  const server = await serveWorkerHttp(port.value, () => consumers.every((c) => c.ready()));
  const address = server.address();
  if (address !== null && typeof address === 'object')
    say(`metrics on http://127.0.0.1:${address.port}/metrics`);
  const producerCounts = new Map<Interval, Map<string, SymbolCounts>>();
  // Each listed interval is also derived from the nearest finer one and compared with the exchange's.
  const plan = derivationPlan(intervals);
  const stallMs = stallTimeout.value * 1000;
  /** Set while --to waits for InfluxDB: the points it counted, and whether some are still missing. */
  let counted: { stored: number; missing: boolean } | undefined;
  let ticker: NodeJS.Timeout | undefined;
  try {
    await awaitInfluxDB(svc.influx, buckets, connectTimeoutMs, stop.signal);
    for (const interval of intervals)
      consumers.push(
        await startConsumer(
          {
            interval,
            brokers: svc.brokers,
            connectTimeoutMs,
            topicPrefix: values['topic-prefix'],
            groupId: `${values['topic-prefix'] === 'prices-' ? '' : values['topic-prefix']}consumer-${interval}`,
            influx: svc.influx,
            bucketRaw: svc.bucketRaw,
            bucketEnriched: svc.bucketEnriched,
            indicators: defaultIndicatorConfig,
            derive: plan.get(interval) ?? [],
          },
          log,
          undefined,
          stop.signal,
        ),
      );
    // One producer for every interval, as in a cluster: one rate budget, one WebSocket connection.
    const producers = runProducer(
      {
        symbols: symbols.value,
        intervals,
        brokers: svc.brokers,
        connectTimeoutMs,
        topicPrefix: values['topic-prefix'],
        binanceUrl: values['binance-url'],
        from: Object.fromEntries(intervals.map((i) => [i, startOf(i)])),
        fromExplicit: from.value !== undefined,
        ...(to.value === undefined ? {} : { to: to.value }),
        // Holes in what InfluxDB holds are repaired, and the pipeline's health points written, as in a cluster.
        influx: { target: svc.influx, bucketRaw: svc.bucketRaw },
      },
      log,
      stop.signal,
    ).then((counts) => counts.forEach((c, interval) => producerCounts.set(interval, c)));

    // Progress on stderr, and the watch that ends a run that stopped moving.
    let failed: (e: Error) => void = () => undefined;
    const stalled = new Promise<never>((_, reject) => (failed = reject));
    stalled.catch(() => undefined);
    for (const [i, c] of consumers.entries())
      void c.crashed.then((e) => failed(new RunFailed(`the ${intervals[i]} consumer crashed: ${e.message}`)));
    let previous: ProgressSnapshot | undefined;
    let watch: StallWatch | undefined;
    let lastLines = 0;
    let busy = false;
    let ended = false;
    const tick = async (final = false) => {
      if ((busy && !final) || ended) return;
      busy = true;
      try {
        const p = await snapshotOf(intervals, symbols.value, consumers);
        if (ended) return;
        if (screen.live) screen.draw(progressBlock(p));
        else if (final || p.at - lastLines >= 5000) {
          // The first change at once, then at most every 5 s.
          const lines = progressLines(p, previous);
          if (lines.length > 0) {
            screen.print(`${lines.join('\n')}\n`);
            previous = p;
            lastLines = p.at;
          }
        }
        const waiting = p.markets.some((m) => lagOf(m) > 0) || counted?.missing === true;
        const w = watchStall(watch, p.at, progressMark(p) + (counted?.stored ?? 0), waiting, stallMs);
        watch = w.watch;
        if (w.stalled && !stop.signal.aborted) {
          clearInterval(ticker);
          failed(await diagnose(p, stallMs, svc, buckets, lastProblem()));
        }
      } finally {
        busy = false;
      }
    };
    ticker = setInterval(() => void tick(), screen.live ? 1000 : 500);
    void tick();

    await Promise.race([producers, stalled]);
    if (to.value === undefined || stop.signal.aborted) {
      // Stopped (Ctrl-C): the last counts, then only errors while the clients stop.
      clearInterval(ticker);
      await tick(true);
      quiet();
      return EXIT_OK;
    }
    // Every candle of the range Binance had must be in InfluxDB before the summary.
    const rows: (string | number)[][] = [];
    for (const [i, interval] of intervals.entries()) {
      const fetched = producerCounts.get(interval) ?? new Map<string, SymbolCounts>();
      let stored = new Map<string, number>();
      while (!stop.signal.aborted) {
        stored = await Promise.race([
          countPoints(svc.influx, svc.bucketRaw, interval, 'raw', startOf(interval), to.value).catch(
            () => new Map<string, number>(),
          ),
          stalled,
        ]);
        // Raw points of every fetched candle, and every published record consumed (committed: its raw and
        // enriched points are both written; the raw ones alone may be in while the enriched are on their way).
        const consumed = consumers[i]?.counts;
        const missing = symbols.value.some(
          (s) =>
            (stored.get(s) ?? 0) < (fetched.get(s)?.fetched ?? 0) ||
            (consumed?.get(s)?.consumed ?? 0) < (fetched.get(s)?.published ?? 0),
        );
        counted = { stored: [...stored.values()].reduce((n, c) => n + c, 0), missing };
        if (!missing) break;
        await Promise.race([sleep(500, stop.signal), stalled]);
      }
      counted = undefined;
      const enriched = await Promise.race([
        countPoints(svc.influx, svc.bucketEnriched, interval, 'enriched', startOf(interval), to.value),
        stalled,
      ]);
      for (const symbol of symbols.value)
        rows.push([
          symbol,
          interval,
          fetched.get(symbol)?.fetched ?? 0,
          fetched.get(symbol)?.published ?? 0,
          stored.get(symbol) ?? 0,
          enriched.get(symbol) ?? 0,
          // Dead letters of both sides: rows Binance served invalid, records the consumer refused.
          (fetched.get(symbol)?.rejected ?? 0) + (consumers[i]?.counts.get(symbol)?.rejected ?? 0),
        ]);
    }
    // The last counts of every market that moved (a short run may end before the first periodic line),
    // then the summary takes the place of the progress.
    clearInterval(ticker);
    await tick(true);
    ended = true;
    screen.clear();
    process.stdout.write(
      `${table(['symbol', 'interval', 'fetched', 'published', 'stored', 'enriched', 'rejected'], rows).join('\n')}\n`,
    );
    await settleDerivation(consumers, stop.signal);
    const derived = derivationOutcomes(consumers);
    if (derived !== undefined) say(`derived candles against the exchange's: ${derived}`);
    quiet();
    return EXIT_OK;
  } catch (e) {
    clearInterval(ticker);
    screen.close();
    if (stop.signal.aborted && !(e instanceof RunFailed)) return EXIT_OK; // Ctrl-C while starting
    const unreachable = exitOnUnreachable('local', e, { write: (text: string) => screen.print(text) });
    if (unreachable !== undefined) return unreachable;
    if (!(e instanceof RunFailed)) throw e;
    say(e.message);
    return EXIT_FAILURE;
  } finally {
    clearInterval(ticker);
    screen.close();
    stop.abort();
    release();
    // A consumer stuck on a dead service must not hold the exit: the stops get 5 s (then runAsProcess
    // ends the process 5 s later, before the 9.5 s of a SIGTERM/SIGINT).
    const stopped = new AbortController();
    await Promise.race([
      Promise.all(consumers.map((c) => c.stop().catch(() => undefined))),
      sleep(5000, stopped.signal),
    ]);
    stopped.abort();
    server.close();
  }
};

/** The counters of the run: the producer's by metric, the consumers' from their handles. */
const snapshotOf = async (
  intervals: readonly Interval[],
  symbols: readonly string[],
  consumers: readonly ConsumerHandle[],
): Promise<ProgressSnapshot> => {
  const m = metrics();
  const [fetched, published, requests, rejectedKlines, influxFailures] = await Promise.all([
    m.fetched.get(),
    m.published.get(),
    m.binanceRequests.get(),
    m.rejectedKlines.get(),
    m.influxFailures.get(),
  ]);
  const of = (metric: typeof fetched, symbol: string, interval: string): number =>
    metric.values.find((v) => v.labels['symbol'] === symbol && v.labels['interval'] === interval)?.value ?? 0;
  const markets: MarketProgress[] = intervals.flatMap((interval, i) =>
    symbols.map((symbol) => {
      const c = consumers[i]?.counts.get(symbol);
      return {
        symbol,
        interval,
        fetched: of(fetched, symbol, interval),
        published: of(published, symbol, interval),
        consumed: c?.consumed ?? 0,
        stored: c?.stored ?? 0,
        rejected: c?.rejected ?? 0,
      };
    }),
  );
  type Values = { values: readonly { value: number; labels: Partial<Record<string, string | number>> }[] };
  const sum = (metric: Values, keep: (labels: Values['values'][number]['labels']) => boolean = () => true) =>
    metric.values.filter((v) => keep(v.labels)).reduce((n, v) => n + v.value, 0);
  // Shown once some candle was derived (the line says nothing useful before).
  const derived = derivationOutcomes(consumers, false);
  return {
    at: Date.now(),
    markets,
    influxFailures: sum(influxFailures),
    binanceFailures: sum(requests, (l) => l['outcome'] !== 'klines'),
    binanceRejected: sum(rejectedKlines),
    ...(derived === undefined ? {} : { derived }),
  };
};

/**
 * Why a run stopped moving, as the error it ends with: InfluxDB not answering, refusing the token or
 * the buckets, or failing every write (`InfluxDBUnreachable`); Kafka not answering (`KafkaUnreachable`);
 * else `RunFailed` with the counts that wait.
 */
const diagnose = async (
  p: ProgressSnapshot,
  stallMs: number,
  svc: { brokers: readonly string[]; influx: { url: string; token: string; org: string } },
  buckets: readonly string[],
  lastProblem: string | undefined,
): Promise<Error> => {
  const waiting = p.markets.reduce((n, m) => n + lagOf(m), 0);
  const seconds = stallMs / 1000;
  const last = lastProblem === undefined ? '' : ` (last failure: ${lastProblem})`;
  const influx = await probeInfluxDB(svc.influx, buckets);
  if (influx.kind !== 'ok')
    return new InfluxDBUnreachable(
      `InfluxDB at ${svc.influx.url} ${influx.kind === 'refused' ? influx.reason : `does not answer (${influx.reason})`}; nothing stored for ${seconds} s`,
    );
  if (p.influxFailures > 0)
    return new InfluxDBUnreachable(
      `InfluxDB at ${svc.influx.url} stored nothing for ${seconds} s while ${waiting} candles wait: ${p.influxFailures} failed requests so far${last}`,
    );
  try {
    await awaitKafka(svc.brokers, {}, 5000);
  } catch (e) {
    if (e instanceof KafkaUnreachable) return e;
  }
  return new RunFailed(
    `no progress for ${seconds} s: ${waiting} candles published and not stored${last}; InfluxDB and Kafka answer (see the logs: --log-level info)`,
  );
};

/** `N match, N mismatch, N unverified` over every consumer that derives (undefined when none does). */
const derivationOutcomes = (consumers: readonly ConsumerHandle[], sayNone = true): string | undefined => {
  const checks = consumers.flatMap((c) => (c.derivation === undefined ? [] : [c.derivation.outcomes()]));
  if (checks.length === 0) return undefined;
  const sum = (k: 'match' | 'mismatch' | 'unverified') => checks.reduce((n, o) => n + o[k], 0);
  if (sum('match') + sum('mismatch') + sum('unverified') === 0)
    return sayNone ? 'none derived yet (candles an earlier run enriched are not derived again)' : undefined;
  return `${sum('match')} match, ${sum('mismatch')} mismatch, ${sum('unverified')} unverified`;
};

/** Waits (at most 30 s) until every derived candle met its exchange candle, which is stored by now. */
const settleDerivation = async (consumers: readonly ConsumerHandle[], signal: AbortSignal): Promise<void> => {
  const deadline = Date.now() + 30_000;
  for (const c of consumers)
    while (
      c.derivation !== undefined &&
      c.derivation.waiting() > 0 &&
      Date.now() < deadline &&
      !signal.aborted
    ) {
      await c.derivation.verify();
      if (c.derivation.waiting() > 0) await sleep(500, signal);
    }
};

const fail = (message: string): number => {
  process.stderr.write(`cryptostream local: ${message}\n\n${usage}\n`);
  return EXIT_USAGE;
};
