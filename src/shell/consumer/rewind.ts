import type { Logger } from 'pino';
import type { Enricher } from '../../core/indicators/index.ts';
import type { MarketCandle } from '../../core/kline/candle.ts';
import { intervalMs, type Interval } from '../../core/kline/interval.ts';
import type { BatchResult } from '../../core/pipeline/batch.ts';
import { behindState, rewrite, unenriched, type Rewrite } from '../../core/pipeline/rewrite.ts';
import type { SymbolState } from '../../core/pipeline/snapshot.ts';
import { enrichedOpenTimes, snapshotsBefore, storedSpans, type Span } from '../influx/enrichedSeries.ts';
import type { CallOptions, InfluxTarget } from '../influx/influx.ts';
import { metrics } from '../observability/metrics.ts';

export type RewindContext = {
  readonly influx: InfluxTarget;
  readonly bucketEnriched: string;
  readonly interval: Interval;
  readonly enricher: Enricher;
  readonly log: Logger;
};

/** Symbols whose spans start within this many intervals of each other are read in one Flux table. */
const GROUP_INTERVALS = 1000;

/**
 * The rewrites a batch needs (src/core/pipeline/rewrite.ts): of its candles at or before their symbol's
 * state in `states`, those the enriched bucket lacks, each such symbol rewound to its newest snapshot
 * before them and enriched again up to its state. A batch with no candle behind a state (the live case)
 * reads nothing; a batch delivered again (a restart, a rebalance) reads one query and needs no rewrite.
 * A symbol whose snapshot before the hole fits another indicator configuration keeps raw points only for
 * those candles (a warning).
 */
export const batchRewrites = async (
  result: BatchResult,
  states: ReadonlyMap<string, SymbolState>,
  { influx, bucketEnriched, interval, enricher, log }: RewindContext,
  o: CallOptions,
): Promise<Map<string, Rewrite>> => {
  const rewrites = new Map<string, Rewrite>();
  const behind = behindState(result.behind);
  if (behind.size === 0) return rewrites;
  const width = GROUP_INTERVALS * intervalMs[interval];
  const spanOf = (candles: readonly MarketCandle[]): Span => ({
    start: candles[0]!.openTime,
    stop: candles[candles.length - 1]!.openTime + 1,
  });
  const enrichedBucket = { target: influx, bucket: bucketEnriched, interval };
  const held = await enrichedOpenTimes(
    enrichedBucket,
    new Map([...behind].map(([s, candles]) => [s, spanOf(candles)])),
    width,
    o,
  );
  const missing = new Map<string, MarketCandle[]>();
  for (const [s, candles] of behind) {
    const lacking = unenriched(candles, held.get(s) ?? new Set());
    if (lacking.length > 0) missing.set(s, lacking);
  }
  if (missing.size === 0) return rewrites;
  const froms = await snapshotsBefore(
    enrichedBucket,
    new Map([...missing].map(([s, candles]) => [s, candles[0]!.openTime])),
    enricher.isState,
    o,
  );
  const m = metrics();
  const starts = new Map<string, SymbolState | undefined>();
  for (const [s, from] of froms) {
    if (from === undefined || from.ok) starts.set(s, from?.value);
    else {
      m.rewinds.inc({ interval, outcome: 'raw-only' });
      log.warn(
        { symbol: s, interval, reason: from.error, missing: missing.get(s)!.length },
        'candles behind the indicator state are stored raw only: the snapshot before them cannot be read',
      );
    }
  }
  const spans = new Map<string, Span>();
  for (const [s, from] of starts)
    spans.set(s, { start: (from?.lastOpenTime ?? -1) + 1, stop: states.get(s)!.lastOpenTime + 1 });
  const stored = await storedSpans(enrichedBucket, spans, width, o);
  for (const [s, from] of starts) {
    const current = states.get(s)!;
    const read = stored.get(s)!;
    const r = rewrite(enricher, interval, s, current, {
      from,
      stored: read.candles,
      snapshots: read.snapshots,
      missing: missing.get(s)!,
    });
    rewrites.set(s, r);
    m.rewinds.inc({ interval, outcome: 'rewound' });
    m.rewoundPoints.inc({ interval, kind: 'filled' }, r.filled.length);
    m.rewoundPoints.inc({ interval, kind: 'rewritten' }, r.rewritten);
    log.info(
      {
        symbol: s,
        interval,
        from: from?.lastOpenTime ?? null,
        to: current.lastOpenTime,
        filled: r.filled.length,
        rewritten: r.rewritten,
      },
      'candles missing behind the indicator state: enriched, and the points after them enriched again',
    );
  }
  return rewrites;
};
