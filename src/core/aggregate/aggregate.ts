import * as R from 'ramda';
import { err, map, ok, type Result } from '../result.ts';
import type { Candle } from '../kline/candle.ts';
import { bucketStart, intervalMs, type Interval } from '../kline/interval.ts';
import { combineCandles } from './combine.ts';

/** What aggregation saw besides complete buckets: never papered over, always reported. */
export type AggregationEvent =
  /** Finer candles missing between two that arrived: `missing` candles from `from` (open time) on. */
  | { readonly kind: 'gap'; readonly from: number; readonly to: number; readonly missing: number }
  /** A coarser bucket that cannot close because finer candles are missing: not emitted. */
  | { readonly kind: 'incomplete'; readonly openTime: number; readonly have: number; readonly need: number }
  /** A candle at or before the previous open time: ignored (a duplicate or a replay out of order). */
  | { readonly kind: 'out-of-order'; readonly openTime: number; readonly after: number };

/** Plain data, JSON-safe: a consumer can keep it across restarts. */
export type AggregationState = {
  readonly lastOpenTime: number | null;
  readonly bucket: { readonly candle: Candle; readonly count: number } | null;
};

export type AggregationStep = { readonly closed?: Candle; readonly events: readonly AggregationEvent[] };

export type Aggregator = {
  readonly init: AggregationState;
  readonly step: (s: AggregationState, c: Candle) => [AggregationState, AggregationStep];
  /** Reports the bucket still open at the end of a finite input (never emitted as closed). */
  readonly flush: (s: AggregationState) => readonly AggregationEvent[];
};

/**
 * A streaming aggregator from `from` candles (in open-time order) to `to` candles. A bucket is emitted
 * once all its finer candles arrived; a bucket with a hole is reported as incomplete, never emitted.
 */
export const aggregator = (from: Interval, to: Interval): Result<Aggregator, string> => {
  const step = intervalMs[from];
  const need = intervalMs[to] / step;
  if (!Number.isInteger(need) || need < 1)
    return err(`cannot aggregate ${from} candles into ${to}: ${to} is not a whole number of ${from}`);
  const incomplete = (b: NonNullable<AggregationState['bucket']>): AggregationEvent => ({
    kind: 'incomplete',
    openTime: bucketStart(to, b.candle.openTime),
    have: b.count,
    need,
  });
  return ok({
    init: { lastOpenTime: null, bucket: null },
    step: (s, c) => {
      if (s.lastOpenTime !== null && c.openTime <= s.lastOpenTime)
        return [s, { events: [{ kind: 'out-of-order', openTime: c.openTime, after: s.lastOpenTime }] }];
      const events: AggregationEvent[] = [];
      if (s.lastOpenTime !== null && c.openTime > s.lastOpenTime + step) {
        const from = s.lastOpenTime + step;
        events.push({ kind: 'gap', from, to: c.openTime, missing: (c.openTime - from) / step });
      }
      const open = bucketStart(to, c.openTime);
      const sameBucket = s.bucket !== null && bucketStart(to, s.bucket.candle.openTime) === open;
      if (s.bucket !== null && !sameBucket) events.push(incomplete(s.bucket));
      const bucket =
        sameBucket && s.bucket !== null
          ? { candle: combineCandles(s.bucket.candle, c), count: s.bucket.count + 1 }
          : { candle: c, count: 1 };
      // A bucket is complete when it holds `need` strictly increasing candles of its own range.
      if (bucket.count === need && bucket.candle.openTime === open)
        return [
          { lastOpenTime: c.openTime, bucket: null },
          { closed: bucket.candle, events },
        ];
      return [{ lastOpenTime: c.openTime, bucket }, { events }];
    },
    flush: (s) => (s.bucket === null ? [] : [incomplete(s.bucket)]),
  });
};

/** Aggregates a finite series: the complete coarser candles and everything else that happened. */
export const aggregateSeries = (
  from: Interval,
  to: Interval,
  candles: readonly Candle[],
): Result<{ candles: Candle[]; events: AggregationEvent[] }, string> =>
  map((agg: Aggregator) => {
    const [last, steps] = R.mapAccum(agg.step, agg.init, candles as Candle[]);
    return {
      candles: steps.flatMap((s) => (s.closed === undefined ? [] : [s.closed])),
      events: [...steps.flatMap((s) => s.events), ...agg.flush(last)],
    };
  })(aggregator(from, to));
