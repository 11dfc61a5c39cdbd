import { parseIndicatorConfig } from './indicators.ts';
import { isInterval, type Interval } from '../../core/kline/interval.ts';
import { deriver } from '../../core/pipeline/derivation.ts';
import { alertRules, type AlertRule, type AlertSpec } from '../../core/alerts/index.ts';
import type { IndicatorConfig } from '../../core/indicators/config.ts';
import { attempt, err, ok, type Result } from '../../core/result.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitStatusHelp } from '../cli/command.ts';
import { exitOnUnreachable } from '../cli/unreachable.ts';
import { kafkaSettings, kafkaSpec } from '../kafka/settings.ts';
import { intervalSetting } from '../producer/command.ts';
import { makeLogger } from '../observability/logger.ts';
import { serveWorkerHttp } from '../observability/http.ts';
import { positiveInt, readSettings, settingsUsage, type SettingSpec } from '../observability/settings.ts';
import { onShutdown } from '../observability/shutdown.ts';
import { DEFAULT_SNAPSHOT_EVERY, startConsumer, type ConsumerConfig } from './consumer.ts';
import { DEFAULT_INFLUX_TIMEOUT_MS, type InfluxTarget } from '../influx/influx.ts';
import { applyRetention } from '../influx/retention.ts';
import type { Logger } from 'pino';

export const consumerSpec = {
  interval: { env: 'CRYPTOSTREAM_INTERVAL' },
  ...kafkaSpec,
  group: { env: 'CRYPTOSTREAM_CONSUMER_GROUP' },
  'influx-url': { env: 'CRYPTOSTREAM_INFLUX_URL', default: 'http://127.0.0.1:8086' },
  'influx-token': { env: 'CRYPTOSTREAM_INFLUX_TOKEN' },
  'influx-org': { env: 'CRYPTOSTREAM_INFLUX_ORG', default: 'cryptostream' },
  'bucket-raw': { env: 'CRYPTOSTREAM_INFLUX_BUCKET_RAW', default: 'marketdata_raw' },
  'bucket-enriched': { env: 'CRYPTOSTREAM_INFLUX_BUCKET_ENRICHED', default: 'marketdata_enriched' },
  'retention-days': { env: 'CRYPTOSTREAM_INFLUX_RETENTION_DAYS' },
  indicators: { env: 'CRYPTOSTREAM_INDICATORS' },
  derive: { env: 'CRYPTOSTREAM_DERIVE' },
  alerts: { env: 'CRYPTOSTREAM_ALERTS', default: '[]' },
  'alerts-topic': { env: 'CRYPTOSTREAM_ALERTS_TOPIC' },
  'max-batch-bytes': { env: 'CRYPTOSTREAM_MAX_BATCH_BYTES', default: '1048576' },
  'snapshot-every': { env: 'CRYPTOSTREAM_SNAPSHOT_EVERY', default: String(DEFAULT_SNAPSHOT_EVERY) },
  'session-timeout': { env: 'CRYPTOSTREAM_KAFKA_SESSION_TIMEOUT', default: '30' },
  'influx-timeout': { env: 'CRYPTOSTREAM_INFLUX_TIMEOUT', default: String(DEFAULT_INFLUX_TIMEOUT_MS / 1000) },
  'http-port': { env: 'CRYPTOSTREAM_HTTP_PORT', default: '8080' },
  'log-level': { env: 'CRYPTOSTREAM_LOG_LEVEL', default: 'info' },
} as const satisfies SettingSpec;

const usage = `Usage: cryptostream consumer --interval <interval> --influx-token <token> [options]

Consumes topic <prefix><interval> in group consumer-<interval>: validates each candle (invalid records go
to <topic>-dlq with the reason in headers), enriches each symbol in open-time order from its stored state,
writes raw and enriched points to InfluxDB and commits only what InfluxDB accepted. A symbol's indicator
state is saved with its points every --snapshot-every candles; a consumer taking a symbol over loads it and
replays the enriched points stored after it. With --derive it also
aggregates its candles into the coarser intervals listed, stores them (type=derived) and compares each
with the exchange's candle of that interval in the raw bucket (metrics cryptostream_derived_candles_total,
cryptostream_derivation_mismatches_total). With --retention-days it gives both buckets that retention
(0: forever) when it starts, so a changed retention reaches buckets created before. Every flag has an
environment variable; the flag wins.

Health: /readyz answers 200 once the consumer joined its group and InfluxDB answered (a bucket lookup at
start and while idle, then every write), 503 with the reason otherwise (InfluxDB failing, a rebalance
after a crash). A batch waiting on InfluxDB heartbeats, so a slow InfluxDB does not get the member evicted
(--session-timeout, seconds); every InfluxDB request is bounded by --influx-timeout (seconds). Points
InfluxDB refuses for good (422: outside the bucket's retention, a field type conflict) send their records
to <topic>-dlq. When the Kafka consumer crashes for good (kafkajs does not restart it, or it did not
rejoin within 5 minutes) /healthz answers 503 and the process exits with status 3.

${settingsUsage(consumerSpec)}

${exitStatusHelp('consumer')}`;

/** `--derive 1h,1d`: coarser intervals, each a whole multiple of the consumer's own. */
export const deriveSetting = (interval: Interval, text: string | undefined): Result<Interval[], string> => {
  const list = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = list.find((s) => !isInterval(s));
  if (bad !== undefined) return err(`--derive: not an interval: ${JSON.stringify(bad)}`);
  const checked = deriver(interval, list as Interval[]);
  return checked.ok ? ok(list as Interval[]) : err(`--derive: ${checked.error}`);
};

/**
 * `--alerts`: the JSON array of the stream's alerts (spec.alerts) watching this interval, resolved into
 * rules (an alert of another interval is not this consumer's: it is left out).
 */
export const alertsSetting = (
  interval: Interval,
  indicators: IndicatorConfig,
  text: string | undefined,
): Result<readonly AlertRule[], string> => {
  const parsed = attempt(
    () => JSON.parse(text ?? '[]') as unknown,
    () => `--alerts needs a JSON array of alerts, got ${JSON.stringify(text)}`,
  );
  if (!parsed.ok) return parsed;
  if (!Array.isArray(parsed.value))
    return err(`--alerts needs a JSON array of alerts, got ${JSON.stringify(text)}`);
  const rules = alertRules({ alerts: parsed.value as AlertSpec[], intervals: [interval], indicators });
  if (!rules.ok) return err(`--alerts: ${rules.error}`);
  return ok(rules.value.filter((r) => r.interval === interval));
};

export const consumerConfig = (
  values: Readonly<Record<keyof typeof consumerSpec, string | undefined>>,
): Result<ConsumerConfig & { httpPort: number; logLevel: string; retentionDays?: number }, string> => {
  const interval = intervalSetting(values.interval);
  if (!interval.ok) return interval;
  const token = values['influx-token'];
  if (token === undefined) return err('--influx-token (CRYPTOSTREAM_INFLUX_TOKEN) is required');
  const indicators = parseIndicatorConfig(values.indicators);
  if (!indicators.ok) return indicators;
  const port = positiveInt('http-port', values['http-port']);
  if (!port.ok) return port;
  const derive = deriveSetting(interval.value, values.derive);
  if (!derive.ok) return derive;
  const alerts = alertsSetting(interval.value, indicators.value, values.alerts);
  if (!alerts.ok) return alerts;
  const maxBatchBytes = positiveInt('max-batch-bytes', values['max-batch-bytes']);
  if (!maxBatchBytes.ok) return maxBatchBytes;
  if (maxBatchBytes.value < 1024)
    return err(`--max-batch-bytes must be at least 1024, got ${maxBatchBytes.value}`);
  const sessionTimeout = positiveInt('session-timeout', values['session-timeout']);
  if (!sessionTimeout.ok) return sessionTimeout;
  if (sessionTimeout.value < 6)
    return err(
      `--session-timeout must be at least 6 (seconds: the broker's minimum), got ${sessionTimeout.value}`,
    );
  const influxTimeout = positiveInt('influx-timeout', values['influx-timeout']);
  if (!influxTimeout.ok) return influxTimeout;
  if (influxTimeout.value < 1) return err('--influx-timeout must be at least 1 (seconds), got 0');
  const snapshotEvery = positiveInt('snapshot-every', values['snapshot-every']);
  if (!snapshotEvery.ok) return snapshotEvery;
  if (snapshotEvery.value < 1) return err('--snapshot-every must be at least 1 (candles per symbol), got 0');
  const retention =
    values['retention-days'] === undefined
      ? ok(undefined)
      : positiveInt('retention-days', values['retention-days']);
  if (!retention.ok) return retention;
  const kafka = kafkaSettings(values);
  if (!kafka.ok) return kafka;
  return ok({
    interval: interval.value,
    ...kafka.value,
    groupId: values.group ?? `consumer-${interval.value}`,
    influx: { url: values['influx-url'] ?? '', token, org: values['influx-org'] ?? '' },
    bucketRaw: values['bucket-raw'] ?? 'marketdata_raw',
    bucketEnriched: values['bucket-enriched'] ?? 'marketdata_enriched',
    indicators: indicators.value,
    maxBatchBytes: maxBatchBytes.value,
    snapshotEvery: snapshotEvery.value,
    sessionTimeoutMs: sessionTimeout.value * 1000,
    influxTimeoutMs: influxTimeout.value * 1000,
    derive: derive.value,
    alerts: alerts.value,
    ...(values['alerts-topic'] === undefined ? {} : { alertsTopic: values['alerts-topic'] }),
    httpPort: port.value,
    logLevel: values['log-level'] ?? 'info',
    ...(retention.value === undefined ? {} : { retentionDays: retention.value }),
  });
};

export const run = async (argv: readonly string[]): Promise<number> => {
  const settings = readSettings(argv, consumerSpec);
  if (!settings.ok) return fail(settings.error);
  if (settings.value.help) {
    process.stdout.write(`${usage}\n`);
    return EXIT_OK;
  }
  const config = consumerConfig(
    settings.value.values as Record<keyof typeof consumerSpec, string | undefined>,
  );
  if (!config.ok) return fail(config.error);
  const log = makeLogger(config.value.logLevel, 'consumer');
  let handle: Awaited<ReturnType<typeof startConsumer>> | undefined;
  const server = await serveWorkerHttp(
    config.value.httpPort,
    () => handle?.reason() ?? 'starting',
    () => (handle === undefined || handle.live() ? '' : handle.reason()),
  );
  let stopped: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stopping = new AbortController();
  const release = onShutdown(log, () => {
    stopping.abort();
    stopped();
  });
  const retention = keepRetention(config.value, log);
  try {
    // A stop asked for while startConsumer awaits Kafka ends the wait: it throws the signal's reason.
    handle = await startConsumer(config.value, log, undefined, stopping.signal);
    log.info({ interval: config.value.interval, group: config.value.groupId }, 'consumer running');
    const crashed = await Promise.race([done.then(() => undefined), handle.crashed]);
    await handle.stop().catch((e: unknown) => log.warn({ err: e }, 'consumer not stopped cleanly'));
    if (crashed !== undefined) {
      // kafkajs gave up: exiting lets Kubernetes restart the container (CrashLoopBackOff if it repeats).
      log.fatal({ err: crashed, interval: config.value.interval }, 'consumer crashed; exiting');
      return EXIT_CONSUMER_FAILED;
    }
    log.info({ interval: config.value.interval }, 'consumer stopped');
    return EXIT_OK;
  } catch (e) {
    if (stopping.signal.aborted && e === stopping.signal.reason) return EXIT_OK;
    const unreachable = exitOnUnreachable('consumer', e);
    if (unreachable !== undefined) return unreachable;
    log.fatal({ err: e }, 'consumer failed');
    return EXIT_CONSUMER_FAILED;
  } finally {
    retention.stop();
    release();
    server.close();
  }
};

/** The consumer failed or its Kafka consumer crashed for good. */
export const EXIT_CONSUMER_FAILED = EXIT_FAILURE;

const RETENTION_RETRY_MS = 30_000;

/**
 * With --retention-days: gives both buckets that retention, in the background, trying again every 30 s
 * until InfluxDB took it (it may not be up yet when the consumer starts); the data path does not wait.
 */
const keepRetention = (
  config: { influx: InfluxTarget; bucketRaw: string; bucketEnriched: string; retentionDays?: number },
  log: Logger,
): { stop: () => void } => {
  const days = config.retentionDays;
  if (days === undefined) return { stop: () => undefined };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = async (): Promise<void> => {
    try {
      const changed = await applyRetention(config.influx, [config.bucketRaw, config.bucketEnriched], days);
      log.info({ retentionDays: days, changed }, 'bucket retention applied');
    } catch (e) {
      log.warn({ err: e, retentionDays: days }, 'bucket retention not applied yet; trying again in 30 s');
      if (!stopped) timer = setTimeout(() => void attempt(), RETENTION_RETRY_MS).unref();
    }
  };
  void attempt();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
};

const fail = (message: string): number => {
  process.stderr.write(`cryptostream consumer: ${message}\n\n${usage}\n`);
  return EXIT_USAGE;
};
