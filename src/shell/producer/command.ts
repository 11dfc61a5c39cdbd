import { defaultBackfillFrom } from '../../core/binance/backfill.ts';
import { warmUpCandles } from '../../core/indicators/index.ts';
import { isInterval, type Interval } from '../../core/kline/interval.ts';
import { symbolPattern } from '../../core/kline/message.ts';
import { parseSymbolPartitions } from '../../core/kline/partitions.ts';
import { err, ok, type Result } from '../../core/result.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitStatusHelp } from '../cli/command.ts';
import { exitOnUnreachable } from '../cli/unreachable.ts';
import { parseIndicatorConfig } from '../consumer/indicators.ts';
import { kafkaSettings, kafkaSpec } from '../kafka/settings.ts';
import { makeLogger } from '../observability/logger.ts';
import { serveWorkerHttp } from '../observability/http.ts';
import {
  isoTime,
  positiveInt,
  readSettings,
  settingsUsage,
  type SettingSpec,
} from '../observability/settings.ts';
import { onShutdown } from '../observability/shutdown.ts';
import { runProducer, type ProducerConfig } from './producer.ts';

export const producerSpec = {
  symbols: { env: 'CRYPTOSTREAM_SYMBOLS', default: 'BTCUSDC,ETHUSDC,XRPUSDC,SOLUSDC' },
  'symbol-partitions': { env: 'CRYPTOSTREAM_SYMBOL_PARTITIONS' },
  intervals: { env: 'CRYPTOSTREAM_INTERVALS' },
  'stream-url': { env: 'CRYPTOSTREAM_BINANCE_STREAM_URL' },
  ...kafkaSpec,
  'binance-url': { env: 'CRYPTOSTREAM_BINANCE_URL', default: 'https://data-api.binance.vision' },
  from: { env: 'CRYPTOSTREAM_BACKFILL_FROM' },
  to: { env: 'CRYPTOSTREAM_BACKFILL_TO' },
  indicators: { env: 'CRYPTOSTREAM_INDICATORS' },
  // InfluxDB, as the consumers name it; optional: without a token the producer does not use it.
  'influx-url': { env: 'CRYPTOSTREAM_INFLUX_URL', default: 'http://127.0.0.1:8086' },
  'influx-token': { env: 'CRYPTOSTREAM_INFLUX_TOKEN' },
  'influx-org': { env: 'CRYPTOSTREAM_INFLUX_ORG', default: 'cryptostream' },
  'bucket-raw': { env: 'CRYPTOSTREAM_INFLUX_BUCKET_RAW', default: 'marketdata_raw' },
  'http-port': { env: 'CRYPTOSTREAM_HTTP_PORT', default: '8080' },
  'log-level': { env: 'CRYPTOSTREAM_LOG_LEVEL', default: 'info' },
} as const satisfies SettingSpec;

const usage = `Usage: cryptostream producer --intervals <interval,…> [options]

Publishes the closed Binance klines of each symbol at each interval to Kafka (topic <prefix><interval>,
key = symbol, each symbol on its own partition: --symbol-partitions, else assigned in the order listed).
One process serves all of a stream's intervals, so one rate budget covers every request it sends.
Backfills over REST from --from (or from where each topic left off; on an empty topic without --from,
far enough back for the longest warm-up of the --indicators, at least 24 h), pages of up to 1000 candles,
honouring Retry-After and the request-weight budget; then follows the WebSocket kline streams (one
connection for all symbols and intervals, --stream-url, by default the one of --binance-url) and
publishes each candle on its closing event. REST fills whatever the streams miss (reconnects, late
events), judging "closed" by Binance's clock. With --to it stops once every candle whose open time lies
in [from, to) is published (REST only). With --influx-token (InfluxDB, as the consumers use it) a live
run reads the raw bucket first: it starts right after the stored series when that ends before where it
would start, and repairs the holes of the stored series since the backfill start over REST before it
follows live; ranges Binance has no candles for are reported once as gaps (warn log, metric
cryptostream_binance_gaps_total) and checked once more an hour later. It then writes its pipeline health
points (measurement pipeline) to the raw bucket every 10 s and when it stops. Every flag has an environment
variable; the flag wins.

${settingsUsage(producerSpec)}

${exitStatusHelp('producer')}`;

/** Interval and symbols, shared by the worker commands. */
export const intervalSetting = (text: string | undefined): Result<Interval, string> =>
  text !== undefined && isInterval(text)
    ? ok(text)
    : err(`--interval needs a Binance interval (1s 1m … 1w), got ${JSON.stringify(text ?? null)}`);

/** A comma-separated list of intervals, each once, in the order given. */
export const intervalsSetting = (text: string | undefined): Result<Interval[], string> => {
  const listed = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = listed.find((s) => !isInterval(s));
  if (listed.length === 0 || bad !== undefined)
    return err(
      `--intervals needs Binance intervals (1s 1m … 1w), got ${JSON.stringify(bad ?? text ?? null)}`,
    );
  return ok([...new Set(listed as Interval[])]);
};

export const symbolsSetting = (text: string | undefined): Result<string[], string> => {
  const symbols = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = symbols.find((s) => !symbolPattern.test(s));
  if (symbols.length === 0 || bad !== undefined)
    return err(`--symbols needs upper-case Binance symbols, got ${JSON.stringify(bad ?? text ?? null)}`);
  return ok([...new Set(symbols)]);
};

export const producerConfig = (
  values: Readonly<Record<keyof typeof producerSpec, string | undefined>>,
  now: number,
): Result<ProducerConfig & { httpPort: number; logLevel: string }, string> => {
  const intervals = intervalsSetting(values.intervals);
  if (!intervals.ok) return intervals;
  const symbols = symbolsSetting(values.symbols);
  if (!symbols.ok) return symbols;
  const text = values['symbol-partitions'];
  const assigned = text === undefined ? undefined : parseSymbolPartitions(text);
  if (assigned !== undefined && !assigned.ok) return err(`--symbol-partitions: ${assigned.error}`);
  const from = isoTime('from', values.from);
  if (!from.ok) return from;
  const to = isoTime('to', values.to);
  if (!to.ok) return to;
  const port = positiveInt('http-port', values['http-port']);
  if (!port.ok) return port;
  const kafka = kafkaSettings(values);
  if (!kafka.ok) return kafka;
  // The consumers' indicators: without --from, every one of them gets its warm-up.
  const indicators = parseIndicatorConfig(values.indicators);
  if (!indicators.ok) return indicators;
  const warmUp = warmUpCandles(indicators.value);
  const start = Object.fromEntries(
    intervals.value.map((i) => [i, from.value ?? defaultBackfillFrom(i, warmUp, now)]),
  ) as Record<Interval, number>;
  if (to.value !== undefined && intervals.value.some((i) => to.value! <= start[i]))
    return err('--to must be after --from');
  return ok({
    symbols: symbols.value,
    ...(assigned === undefined ? {} : { symbolPartitions: assigned.value }),
    intervals: intervals.value,
    ...(values['stream-url'] === undefined ? {} : { streamUrl: values['stream-url'] }),
    ...kafka.value,
    binanceUrl: values['binance-url'] ?? '',
    from: start,
    fromExplicit: from.value !== undefined,
    ...(to.value === undefined ? {} : { to: to.value }),
    ...(values['influx-token'] === undefined
      ? {}
      : {
          influx: {
            target: {
              url: values['influx-url'] ?? '',
              token: values['influx-token'],
              org: values['influx-org'] ?? '',
            },
            bucketRaw: values['bucket-raw'] ?? 'marketdata_raw',
          },
        }),
    httpPort: port.value,
    logLevel: values['log-level'] ?? 'info',
  });
};

export const run = async (argv: readonly string[]): Promise<number> => {
  const settings = readSettings(argv, producerSpec);
  if (!settings.ok) return fail(settings.error);
  if (settings.value.help) {
    process.stdout.write(`${usage}\n`);
    return EXIT_OK;
  }
  const config = producerConfig(
    settings.value.values as Record<keyof typeof producerSpec, string | undefined>,
    Date.now(),
  );
  if (!config.ok) return fail(config.error);
  const log = makeLogger(config.value.logLevel, 'producer');
  let ready = false;
  const server = await serveWorkerHttp(config.value.httpPort, () => ready);
  const stop = new AbortController();
  const release = onShutdown(log, () => stop.abort());
  try {
    const counts = await runProducer(config.value, log, stop.signal, () => (ready = true));
    log.info(
      { counts: Object.fromEntries([...counts].map(([i, c]) => [i, Object.fromEntries(c)])) },
      'producer stopped',
    );
    return EXIT_OK;
  } catch (e) {
    const unreachable = exitOnUnreachable('producer', e);
    if (unreachable !== undefined) return unreachable;
    log.fatal({ err: e }, 'producer failed');
    return EXIT_FAILURE;
  } finally {
    release();
    server.close();
  }
};

const fail = (message: string): number => {
  process.stderr.write(`cryptostream producer: ${message}\n\n${usage}\n`);
  return EXIT_USAGE;
};
