import { hostname } from 'node:os';
import {
  deadLetterFieldPoints,
  PIPELINE_REPORT_MS,
  producerMarketPoint,
  producerPoint,
} from '../../core/points/pipeline.ts';
import { toLineProtocol } from '../../core/points/lineProtocol.ts';
import { DEFAULT_INFLUX_TIMEOUT_MS } from '../influx/influx.ts';
import type { Logger } from '../observability/logger.ts';
import { periodicReport, writeReport } from '../influx/periodicReport.ts';
import type { MarketState, SymbolCounts } from './markets.ts';
import type { ProducerInflux } from './repairs.ts';

/** The producer's exchanges with Binance, for all its intervals (totals since it started). */
export type BinanceStats = { weight?: number; answers429: number; answers418: number };

type Totals = {
  readonly markets: ReadonlyMap<MarketState, SymbolCounts & { rejectedBy: ReadonlyMap<string, number> }>;
  readonly r429: number;
  readonly r418: number;
};

const totalsOf = (markets: readonly MarketState[], stats: BinanceStats): Totals => ({
  markets: new Map(markets.map((m) => [m, { ...m.counts, rejectedBy: new Map(m.rejectedBy) }])),
  r429: stats.answers429,
  r418: stats.answers418,
});

/**
 * Writes the producer's `pipeline` points (src/core/points/pipeline.ts) to the raw bucket every `everyMs` and once
 * more on `stop`: per market the candles fetched and published and the rows dead-lettered since the
 * previous report (in all, and by the field at fault), and for the process the last used weight and the
 * 429 and 418 answers since. A report InfluxDB did not take is not lost: the next one carries its counts
 * too.
 */
export const pipelineReporter = (
  influx: ProducerInflux,
  markets: readonly MarketState[],
  stats: BinanceStats,
  log: Logger,
  everyMs: number = PIPELINE_REPORT_MS,
  instance: string = hostname(),
): { readonly stop: () => Promise<void> } => {
  let reported = totalsOf([], { answers429: 0, answers418: 0 });

  const report = async ({ signal, timeoutMs }: { signal?: AbortSignal; timeoutMs?: number }) => {
    const now = totalsOf(markets, stats);
    const time = Date.now();
    const lines = markets.flatMap((m) => {
      const c = now.markets.get(m)!;
      const before = reported.markets.get(m) ?? {
        fetched: 0,
        published: 0,
        rejected: 0,
        rejectedBy: new Map(),
      };
      const byField = Object.fromEntries(
        [...c.rejectedBy].map(([field, n]) => [field, n - (before.rejectedBy.get(field) ?? 0)]),
      );
      return [
        producerMarketPoint(
          m.interval,
          instance,
          m.symbol,
          {
            fetched: c.fetched - before.fetched,
            published: c.published - before.published,
            deadLetters: c.rejected - before.rejected,
          },
          time,
        ),
        ...deadLetterFieldPoints('producer', m.interval, instance, m.symbol, byField, time),
      ].map(toLineProtocol);
    });
    lines.push(
      toLineProtocol(
        producerPoint(
          instance,
          {
            ...(stats.weight === undefined ? {} : { binanceWeight: stats.weight }),
            binance429: now.r429 - reported.r429,
            binance418: now.r418 - reported.r418,
          },
          time,
        ),
      ),
    );
    const options = { timeoutMs: timeoutMs ?? influx.timeoutMs ?? DEFAULT_INFLUX_TIMEOUT_MS, signal };
    if (await writeReport(influx.target, influx.bucketRaw, lines, options, log)) reported = now;
  };

  // The last report within the 9.5 s a stopping worker has.
  return periodicReport(report, everyMs, Math.min(5000, influx.timeoutMs ?? DEFAULT_INFLUX_TIMEOUT_MS));
};
