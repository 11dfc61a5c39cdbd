import { hostname } from 'node:os';
import type { Interval } from '../../core/kline/interval.ts';
import { toLineProtocol } from '../../core/points/lineProtocol.ts';
import {
  consumerMarketPoint,
  consumerPoint,
  deadLetterFieldPoints,
  derivationMismatchPoints,
  derivationPoint,
  faultField,
  percentile,
  PIPELINE_REPORT_MS,
} from '../../core/points/pipeline.ts';
import { DEFAULT_INFLUX_TIMEOUT_MS, type InfluxTarget } from '../influx/influx.ts';
import { periodicReport, writeReport } from '../influx/periodicReport.ts';
import type { Logger } from '../observability/logger.ts';
import type { DerivationCheck, DerivationCounts } from './derivationCheck.ts';

export type ConsumerReporter = {
  /** A candle stored, `latencyMs` after its close. */
  readonly stored: (symbol: string, latencyMs: number) => void;
  /** Records sent to the dead-letter topic: the field at fault of each (its problem's, if it names one). */
  readonly deadLettered: (fields: readonly (string | undefined)[]) => void;
  readonly stop: () => Promise<void>;
};

/** What `counts` minus `before` is, per derived interval; every interval of `counts` is in it. */
const derivationSince = (counts: DerivationCounts, before: DerivationCounts) =>
  [...counts].map(([interval, c]) => {
    const b = before.get(interval);
    const since = (n: number, m: number | undefined) => n - (m ?? 0);
    return {
      interval,
      outcomes: {
        match: since(c.outcomes.match, b?.outcomes.match),
        mismatch: since(c.outcomes.mismatch, b?.outcomes.mismatch),
        unverified: since(c.outcomes.unverified, b?.outcomes.unverified),
      },
      fields: Object.fromEntries(
        Object.entries(c.fields).map(([field, n]) => [field, since(n, b?.fields[field])]),
      ),
    };
  });

/**
 * Writes a consumer's `pipeline` points (src/core/points/pipeline.ts) to the raw bucket every `everyMs`
 * and once more on `stop`: per symbol it has stored, the candles stored since the previous report and
 * their close → stored latency p50/p99; for the replica, its lag (records behind its partitions' ends)
 * and the records it dead-lettered since, in all and by the field at fault; with `derivation` (a consumer
 * that derives coarser candles), per derived interval compared at least once, the derived candles
 * compared since by outcome and their mismatching fields. A report InfluxDB did not take is carried into
 * the next one.
 */
export const consumerReporter = (
  target: { readonly influx: InfluxTarget; readonly bucketRaw: string; readonly influxTimeoutMs?: number },
  interval: Interval,
  lag: () => number,
  log: Logger,
  everyMs: number = PIPELINE_REPORT_MS,
  instance: string = hostname(),
  derivation?: Pick<DerivationCheck, 'counts'>,
): ConsumerReporter => {
  let latencies = new Map<string, number[]>();
  let deadLetters = new Map<string, number>();
  let derivationReported: DerivationCounts = new Map();
  const timeoutMs = target.influxTimeoutMs ?? DEFAULT_INFLUX_TIMEOUT_MS;
  const report = async (o: { signal?: AbortSignal; timeoutMs?: number }) => {
    const [period, dead] = [latencies, deadLetters];
    // Every symbol seen keeps a series: a period without candles is a 0, not a gap.
    latencies = new Map([...period.keys()].map((s) => [s, []]));
    deadLetters = new Map();
    const derivationNow = derivation?.counts();
    const time = Date.now();
    const lines = [...period].map(([symbol, ms]) =>
      toLineProtocol(
        consumerMarketPoint(
          interval,
          instance,
          symbol,
          {
            stored: ms.length,
            ...(ms.length === 0
              ? {}
              : { latencyP50Ms: percentile(ms, 50)!, latencyP99Ms: percentile(ms, 99)! }),
          },
          time,
        ),
      ),
    );
    const deadCount = [...dead.values()].reduce((a, b) => a + b, 0);
    lines.push(
      toLineProtocol(consumerPoint(interval, instance, { lag: lag(), deadLetters: deadCount }, time)),
      ...deadLetterFieldPoints('consumer', interval, instance, undefined, Object.fromEntries(dead), time).map(
        toLineProtocol,
      ),
    );
    if (derivationNow !== undefined)
      for (const d of derivationSince(derivationNow, derivationReported))
        lines.push(
          toLineProtocol(derivationPoint(d.interval, instance, d.outcomes, time)),
          ...derivationMismatchPoints(d.interval, instance, d.fields, time).map(toLineProtocol),
        );
    const written = await writeReport(
      target.influx,
      target.bucketRaw,
      lines,
      { timeoutMs: o.timeoutMs ?? timeoutMs, signal: o.signal },
      log,
    );
    if (written) {
      if (derivationNow !== undefined) derivationReported = derivationNow;
      return;
    }
    for (const [s, ms] of period) latencies.get(s)?.unshift(...ms);
    for (const [field, n] of dead) deadLetters.set(field, (deadLetters.get(field) ?? 0) + n);
  };
  const periodic = periodicReport(report, everyMs, Math.min(5000, timeoutMs));
  return {
    stored: (symbol, latencyMs) => {
      const list = latencies.get(symbol);
      if (list === undefined) latencies.set(symbol, [latencyMs]);
      else list.push(latencyMs);
    },
    deadLettered: (fields) => {
      for (const f of fields) {
        const field = faultField(f);
        deadLetters.set(field, (deadLetters.get(field) ?? 0) + 1);
      }
    },
    stop: periodic.stop,
  };
};
