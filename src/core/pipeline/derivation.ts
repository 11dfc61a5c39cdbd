import * as R from 'ramda';
import {
  aggregator,
  type AggregationEvent,
  type AggregationState,
  type Aggregator,
} from '../aggregate/aggregate.ts';
import type { MarketCandle } from '../kline/candle.ts';
import { intervalMs, type Interval } from '../kline/interval.ts';
import { rawPoint } from '../points/point.ts';
import { err, ok, type Result } from '../result.ts';

/**
 * Coarser candles derived from a consumer's own closed candles (e.g. 1h from 15m), to compare with the
 * exchange's candles of the coarser interval: a data-quality check. One aggregation state per target
 * interval, kept per symbol next to the indicator state (it is stored in the same snapshot, so a consumer
 * that takes a symbol over derives exactly what an uninterrupted one would).
 */
export type DerivationState = Readonly<Partial<Record<Interval, AggregationState>>>;

/** A gap or a bucket that could not close while deriving `interval` candles for `symbol`. */
export type DerivationEvent = {
  readonly symbol: string;
  readonly interval: Interval;
  readonly event: AggregationEvent;
};

export type Deriver = {
  readonly targets: readonly Interval[];
  readonly init: DerivationState;
  /** The next state and the coarser candles this candle completes (and what kept others from closing). */
  readonly step: (
    s: DerivationState,
    c: MarketCandle,
  ) => [DerivationState, { derived: MarketCandle[]; events: DerivationEvent[] }];
  /**
   * A restored state fitted to this deriver: unknown targets dropped, missing ones start empty, and so
   * does one that did not see the symbol's newest candle `lastOpenTime` (derivation was off meanwhile).
   */
  readonly fit: (x: unknown, lastOpenTime?: number) => DerivationState;
};

const isAggregationState = (x: unknown): x is AggregationState =>
  typeof x === 'object' &&
  x !== null &&
  'lastOpenTime' in x &&
  (x.lastOpenTime === null || typeof x.lastOpenTime === 'number') &&
  'bucket' in x &&
  (x.bucket === null || (typeof x.bucket === 'object' && 'candle' in x.bucket && 'count' in x.bucket));

/** A deriver of every `targets` interval from `from` candles; an error names a target that is no multiple. */
export const deriver = (from: Interval, targets: readonly Interval[]): Result<Deriver, string> => {
  const aggregators: [Interval, Aggregator][] = [];
  for (const to of targets) {
    if (to === from) return err(`cannot derive ${to} candles from ${from} candles: same interval`);
    const a = aggregator(from, to);
    if (!a.ok) return a;
    aggregators.push([to, a.value]);
  }
  const init: DerivationState = Object.fromEntries(aggregators.map(([to, a]) => [to, a.init]));
  return ok({
    targets,
    init,
    step: (s, c) => {
      const next: Partial<Record<Interval, AggregationState>> = {};
      const derived: MarketCandle[] = [];
      const events: DerivationEvent[] = [];
      for (const [to, a] of aggregators) {
        const [state, out] = a.step(s[to] ?? a.init, c);
        next[to] = state;
        if (out.closed !== undefined) derived.push({ ...out.closed, symbol: c.symbol, interval: to });
        for (const event of out.events) events.push({ symbol: c.symbol, interval: to, event });
      }
      return [next, { derived, events }];
    },
    fit: (x, lastOpenTime) => {
      const restored = typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {};
      return Object.fromEntries(
        aggregators.map(([to, a]) => {
          const r = restored[to];
          const current =
            isAggregationState(r) && (lastOpenTime === undefined || r.lastOpenTime === lastOpenTime);
          return [to, current ? r : a.init];
        }),
      );
    },
  });
};

/** The fields compared: those of the raw points, as InfluxDB stores them. */
const comparedFields = (c: MarketCandle): Record<string, number> => R.map((f) => f.value, rawPoint(c).fields);

/**
 * The fields in which the exchange's candle, as stored in InfluxDB (raw point fields), differs from the
 * derived one; empty when they agree. Both sides went through the same conversion to float64.
 */
export const differingFields = (
  derived: MarketCandle,
  stored: Readonly<Record<string, unknown>>,
): string[] => {
  const expected = comparedFields(derived);
  return Object.keys(expected).filter((name) => stored[name] !== expected[name]);
};

/** Identity of a candle of a market: `<symbol>/<interval>/<open time>`. */
export const candleKey = (c: Pick<MarketCandle, 'symbol' | 'interval' | 'openTime'>): string =>
  `${c.symbol}/${c.interval}/${c.openTime}`;

/**
 * Which consumer derives what when a stream runs several intervals: every interval is derived from the
 * coarsest other listed interval that divides it (1m from 1s, 15m from 1m, 1h from 15m, 1d from 1h), so
 * each exchange candle is checked once, against its nearest finer stream. Source → targets.
 */
export const derivationPlan = (listed: readonly Interval[]): Map<Interval, Interval[]> => {
  const plan = new Map<Interval, Interval[]>();
  for (const to of listed) {
    const sources = listed.filter(
      (f) => intervalMs[f] < intervalMs[to] && intervalMs[to] % intervalMs[f] === 0,
    );
    const from = R.last(R.sortBy((f) => intervalMs[f], sources));
    if (from !== undefined) plan.set(from, [...(plan.get(from) ?? []), to]);
  }
  return plan;
};
