import { parseArgs } from 'node:util';
import { defaultBackfillFrom } from '../../core/binance/backfill.ts';
import { defaultIndicatorConfig, warmUpCandles } from '../../core/indicators/index.ts';
import { derivationPlan } from '../../core/pipeline/derivation.ts';
import { isInterval, type Interval } from '../../core/kline/interval.ts';
import { EXIT_KAFKA_UNREACHABLE, EXIT_OK, EXIT_USAGE } from '../cli/command.ts';
import { KafkaUnreachable } from '../kafka/client.ts';
import { startConsumer, type ConsumerHandle } from '../consumer/consumer.ts';
import { countPoints } from '../influx/influx.ts';
import { makeLogger } from '../observability/logger.ts';
import { serveWorkerHttp } from '../observability/http.ts';
import { isoTime, positiveInt } from '../observability/settings.ts';
import { onShutdown } from '../observability/shutdown.ts';
import { sleep } from '../observability/sleep.ts';
import { symbolsSetting } from '../producer/command.ts';
import { runProducer, type SymbolCounts } from '../producer/producer.ts';
import { localServices } from './services.ts';

const usage = `Usage: cryptostream local [options]

Runs one producer and one consumer per interval in this process against the local services of
\`npm run services:up\` (started when .services/env is missing).

  --symbols S,S…     Binance symbols [BTCUSDC,ETHUSDC,XRPUSDC,SOLUSDC]
  --intervals I,I…   intervals [1s,1m,15m,1h,1d]
  --binance-url URL  REST base URL [https://data-api.binance.vision]
  --from ISO         start of the backfill [per interval: the indicators' warm-up, at least 24 h]
  --to ISO           end (exclusive, open times): backfill [from, to), wait until every candle is stored
                     in InfluxDB, print a summary per symbol and interval, exit 0
                     (without --to: live until Ctrl-C, with a status line)
  --topic-prefix P   [prices-]; with another prefix the groups are <prefix>consumer-<interval>
  --bucket-raw B     InfluxDB bucket of the raw points [INFLUX_BUCKET_RAW of .services/env]
  --bucket-enriched B  InfluxDB bucket of the enriched points [INFLUX_BUCKET_ENRICHED of .services/env]
  --http-port N      /metrics, /healthz, /readyz [0: any free port]
  --log-level L      pino level of the JSON logs on stderr [warn]`;

type Row = {
  symbol: string;
  interval: Interval;
  fetched: number;
  published: number;
  stored: number;
  enriched: number;
  rejected: number;
};

const table = (rows: readonly Row[]): string => {
  const head = ['symbol', 'interval', 'fetched', 'published', 'stored', 'enriched', 'rejected'];
  const cells = rows.map((r) =>
    [r.symbol, r.interval, r.fetched, r.published, r.stored, r.enriched, r.rejected].map(String),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [head, ...cells]
    .map((c) => c.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  '))
    .join('\n');
};

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
  const intervals = values.intervals.split(',').map((s) => s.trim());
  const badInterval = intervals.find((i) => !isInterval(i));
  if (badInterval !== undefined || intervals.length === 0)
    return fail(`--intervals: not an interval: ${JSON.stringify(badInterval)}`);
  const from = isoTime('from', values.from);
  if (!from.ok) return fail(from.error);
  const to = isoTime('to', values.to);
  if (!to.ok) return fail(to.error);
  const port = positiveInt('http-port', values['http-port']);
  if (!port.ok) return fail(port.error);
  const now = Date.now();
  // Without --from each interval starts far enough back for the warm-up of every indicator.
  const startOf = (interval: Interval): number =>
    from.value ?? defaultBackfillFrom(interval, warmUpCandles(defaultIndicatorConfig), now);
  const start = Math.min(...(intervals as Interval[]).map(startOf));
  if (to.value !== undefined && to.value <= start) return fail('--to must be after --from');

  const log = makeLogger(values['log-level'], 'local', 2);
  const services = await localServices();
  const svc = {
    ...services,
    bucketRaw: values['bucket-raw'] ?? services.bucketRaw,
    bucketEnriched: values['bucket-enriched'] ?? services.bucketEnriched,
  };
  const stop = new AbortController();
  const release = onShutdown(log, () => stop.abort());
  const consumers: ConsumerHandle[] = [];
  const server = await serveWorkerHttp(port.value, () => consumers.every((c) => c.ready()));
  const address = server.address();
  if (address !== null && typeof address === 'object')
    process.stderr.write(`cryptostream local: metrics on http://127.0.0.1:${address.port}/metrics\n`);
  const producerCounts = new Map<Interval, Map<string, SymbolCounts>>();
  // Each listed interval is also derived from the nearest finer one and compared with the exchange's.
  const plan = derivationPlan(intervals as Interval[]);
  try {
    for (const interval of intervals as Interval[])
      consumers.push(
        await startConsumer(
          {
            interval,
            brokers: svc.brokers,
            topicPrefix: values['topic-prefix'],
            groupId: `${values['topic-prefix'] === 'prices-' ? '' : values['topic-prefix']}consumer-${interval}`,
            influx: svc.influx,
            bucketRaw: svc.bucketRaw,
            bucketEnriched: svc.bucketEnriched,
            indicators: defaultIndicatorConfig,
            derive: plan.get(interval) ?? [],
          },
          log,
        ),
      );
    const producers = (intervals as Interval[]).map(async (interval) => {
      const counts = await runProducer(
        {
          symbols: symbols.value,
          interval,
          brokers: svc.brokers,
          topicPrefix: values['topic-prefix'],
          binanceUrl: values['binance-url'],
          from: startOf(interval),
          fromExplicit: from.value !== undefined,
          ...(to.value === undefined ? {} : { to: to.value }),
        },
        log,
        stop.signal,
      );
      producerCounts.set(interval, counts);
    });
    if (to.value === undefined) {
      const status = setInterval(() => {
        const parts = (intervals as Interval[]).map((interval, i) => {
          const stored = [...(consumers[i]?.counts.values() ?? [])].reduce((n, c) => n + c.stored, 0);
          return `${interval}: ${stored} stored`;
        });
        const derived = derivationOutcomes(consumers);
        if (derived !== undefined) parts.push(`derived: ${derived}`);
        process.stderr.write(`\r${new Date().toISOString().slice(11, 19)} ${parts.join(' · ')}   `);
      }, 2000);
      await Promise.all(producers);
      clearInterval(status);
      process.stderr.write('\n');
      return EXIT_OK;
    }
    await Promise.all(producers);
    if (stop.signal.aborted) return EXIT_OK;
    // Every candle of the range Binance had must be in InfluxDB before the summary.
    const rows: Row[] = [];
    for (const [i, interval] of (intervals as Interval[]).entries()) {
      const fetched = producerCounts.get(interval)!;
      let stored = new Map<string, number>();
      while (!stop.signal.aborted) {
        stored = await countPoints(
          svc.influx,
          svc.bucketRaw,
          interval,
          'raw',
          startOf(interval),
          to.value,
        ).catch(() => new Map());
        if (symbols.value.every((s) => (stored.get(s) ?? 0) >= (fetched.get(s)?.fetched ?? 0))) break;
        await sleep(500, stop.signal);
      }
      const enriched = await countPoints(
        svc.influx,
        svc.bucketEnriched,
        interval,
        'enriched',
        startOf(interval),
        to.value,
      );
      for (const symbol of symbols.value)
        rows.push({
          symbol,
          interval,
          fetched: fetched.get(symbol)?.fetched ?? 0,
          published: fetched.get(symbol)?.published ?? 0,
          stored: stored.get(symbol) ?? 0,
          enriched: enriched.get(symbol) ?? 0,
          // Dead letters of both sides: rows Binance served invalid, records the consumer refused.
          rejected: (fetched.get(symbol)?.rejected ?? 0) + (consumers[i]?.counts.get(symbol)?.rejected ?? 0),
        });
    }
    process.stdout.write(`${table(rows)}\n`);
    await settleDerivation(consumers, stop.signal);
    const derived = derivationOutcomes(consumers);
    if (derived !== undefined)
      process.stderr.write(`cryptostream local: derived candles against the exchange's: ${derived}\n`);
    return EXIT_OK;
  } catch (e) {
    if (!(e instanceof KafkaUnreachable)) throw e;
    process.stderr.write(`cryptostream local: ${e.message}\n`);
    return EXIT_KAFKA_UNREACHABLE;
  } finally {
    release();
    await Promise.all(consumers.map((c) => c.stop().catch(() => undefined)));
    server.close();
  }
};

/** `N match, N mismatch, N unverified` over every consumer that derives (undefined when none does). */
const derivationOutcomes = (consumers: readonly ConsumerHandle[]): string | undefined => {
  const checks = consumers.flatMap((c) => (c.derivation === undefined ? [] : [c.derivation.outcomes()]));
  if (checks.length === 0) return undefined;
  const sum = (k: 'match' | 'mismatch' | 'unverified') => checks.reduce((n, o) => n + o[k], 0);
  if (sum('match') + sum('mismatch') + sum('unverified') === 0)
    return 'none derived yet (candles an earlier run enriched are not derived again)';
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
