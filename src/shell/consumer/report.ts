import { hostname } from 'node:os';
import type { Interval } from '../../core/kline/interval.ts';
import { toLineProtocol } from '../../core/points/lineProtocol.ts';
import {
  consumerMarketPoint,
  consumerPoint,
  percentile,
  PIPELINE_REPORT_MS,
} from '../../core/points/pipeline.ts';
import { DEFAULT_INFLUX_TIMEOUT_MS, type InfluxTarget } from '../influx/influx.ts';
import { periodicReport, writeReport } from '../influx/periodicReport.ts';
import type { Logger } from '../observability/logger.ts';

export type ConsumerReporter = {
  /** A candle stored, `latencyMs` after its close. */
  readonly stored: (symbol: string, latencyMs: number) => void;
  readonly deadLettered: (count: number) => void;
  readonly stop: () => Promise<void>;
};

/**
 * Writes a consumer's `pipeline` points (src/core/points/pipeline.ts) to the raw bucket every `everyMs`
 * and once more on `stop`: per symbol it has stored, the candles stored since the previous report and
 * their close → stored latency p50/p99; for the replica, its lag (records behind its partitions' ends)
 * and the records it dead-lettered since. A report InfluxDB did not take is carried into the next one.
 */
export const consumerReporter = (
  target: { readonly influx: InfluxTarget; readonly bucketRaw: string; readonly influxTimeoutMs?: number },
  interval: Interval,
  lag: () => number,
  log: Logger,
  everyMs: number = PIPELINE_REPORT_MS,
  instance: string = hostname(),
): ConsumerReporter => {
  let latencies = new Map<string, number[]>();
  let deadLetters = 0;
  const timeoutMs = target.influxTimeoutMs ?? DEFAULT_INFLUX_TIMEOUT_MS;
  const report = async (o: { signal?: AbortSignal; timeoutMs?: number }) => {
    const [period, dead] = [latencies, deadLetters];
    // Every symbol seen keeps a series: a period without candles is a 0, not a gap.
    latencies = new Map([...period.keys()].map((s) => [s, []]));
    deadLetters = 0;
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
    lines.push(toLineProtocol(consumerPoint(interval, instance, { lag: lag(), deadLetters: dead }, time)));
    const written = await writeReport(
      target.influx,
      target.bucketRaw,
      lines,
      { timeoutMs: o.timeoutMs ?? timeoutMs, signal: o.signal },
      log,
    );
    if (written) return;
    for (const [s, ms] of period) latencies.get(s)?.unshift(...ms);
    deadLetters += dead;
  };
  const periodic = periodicReport(report, everyMs, Math.min(5000, timeoutMs));
  return {
    stored: (symbol, latencyMs) => {
      const list = latencies.get(symbol);
      if (list === undefined) latencies.set(symbol, [latencyMs]);
      else list.push(latencyMs);
    },
    deadLettered: (count) => (deadLetters += count),
    stop: periodic.stop,
  };
};
