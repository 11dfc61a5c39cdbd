import type { Enricher, Prices } from '../indicators/index.ts';
import type { MarketCandle } from '../kline/candle.ts';
import type { Interval } from '../kline/interval.ts';
import { candleSeries, candleText, enrichedLineOf, type CandleText } from '../points/candleLines.ts';
import { bodiesOf, concatBodies } from '../points/lineBodies.ts';
import { floatText } from '../points/lineProtocol.ts';
import type { BatchResult, Stored } from './batch.ts';
import { snapshotLine, type StoredPrices, type SymbolState } from './snapshot.ts';

/*
 * Candles that arrive behind a symbol's state. Most are replays (a batch delivered again after a restart
 * or a rebalance): their enriched points are stored already and only their raw points are rewritten. The
 * others were never enriched: a hole the producer repaired behind the live edge, or a backfill of an
 * earlier range than the one enriched first. Indicators are recursive, so those candles change every
 * enriched value after them: the symbol's series is rewound to the newest snapshot before the first of
 * them and enriched again up to the state, the stored points after the hole are rewritten with the
 * values an uninterrupted run gives, and so are the snapshots stored since.
 *
 *   batch result → behindState → (the shell reads which are enriched) → unenriched
 *     → (the shell reads the snapshot before and the points after it) → rewrite → lines, corrected state
 */

/**
 * A batch's candles that were at or before their symbol's state (raw points only: `BatchResult.behind`)
 * by symbol, each in open-time order.
 */
export const behindState = (behind: readonly MarketCandle[]): Map<string, MarketCandle[]> =>
  Map.groupBy(behind, (c) => c.symbol);

/** Of the candles behind a symbol's state, those its enriched series lacks (`enriched`: the open times it holds). */
export const unenriched = (behind: readonly MarketCandle[], enriched: ReadonlySet<number>): MarketCandle[] =>
  behind.filter((c) => !enriched.has(c.openTime));

/** A stored enriched point read back: the fields its line is written from (floats as text, as stored). */
export type StoredCandle = StoredPrices & {
  readonly open: string;
  readonly volume: string;
  readonly trades: number;
};

/** What a rewrite starts from and goes through, as the shell read it from the enriched bucket. */
export type Rewind = {
  /** The newest snapshot before the first unenriched candle; undefined: none, the enricher's initial state. */
  readonly from: SymbolState | undefined;
  /** The enriched points stored after `from` up to the state, in any order. */
  readonly stored: readonly StoredCandle[];
  /** The open times of the snapshots stored after `from` up to the state. */
  readonly snapshots: readonly number[];
  /** The candles the enriched series lacks (at or before the state, after `from`). */
  readonly missing: readonly MarketCandle[];
};

export type Rewrite = {
  /**
   * Enriched lines, then snapshot lines: first the stored points after `from` with their corrected values,
   * then the snapshots stored since (corrected) and one at the state, then the missing candles. The
   * missing candles go last so that a write that stops half-way leaves some of them missing: the next
   * try finds them and rewinds again (a snapshot is never stored inside a hole, so the one it starts
   * from is before the hole and right).
   */
  readonly lines: readonly string[];
  /** The symbol's state once the lines are stored: same last open time, corrected indicators, saved. */
  readonly state: SymbolState;
  /** How many stored points were rewritten. */
  readonly rewritten: number;
  /** The open times of the missing candles enriched. */
  readonly filled: readonly number[];
};

type Step = {
  readonly openTime: number;
  readonly prices: Prices;
  readonly text: CandleText;
  readonly missing: boolean;
};

const storedText = (c: StoredCandle): CandleText => ({
  // The stored floats, written as the candle's own decimals are (`decimalText`: the float's shortest text).
  fields:
    `open=${floatText(Number(c.open))},high=${floatText(Number(c.high))},low=${floatText(Number(c.low))},` +
    `close=${floatText(Number(c.close))},volume=${floatText(Number(c.volume))},trades=${c.trades}i`,
  time: `${c.openTime}`,
});

/**
 * A symbol's enriched series from `rewind.from` up to `current` enriched again with the missing candles
 * in place. The enricher reads close, high and low as float64, and the stored fields are those float64
 * values, so the rewritten points and the state equal those of a run that never lacked the candles. The
 * derivation state is kept as it is (derivation goes forward only: buckets the hole left incomplete stay
 * reported as such); rewritten snapshots leave their stored `derive` field as it was (InfluxDB replaces
 * only the fields a line names).
 */
export const rewrite = (
  enricher: Pick<Enricher, 'init' | 'step'>,
  interval: Interval,
  symbol: string,
  current: SymbolState,
  rewind: Rewind,
): Rewrite => {
  const after = rewind.from?.lastOpenTime ?? Number.NEGATIVE_INFINITY;
  const inRange = (t: number) => t > after && t <= current.lastOpenTime;
  const steps = new Map<number, Step>();
  for (const c of rewind.stored)
    if (inRange(c.openTime))
      steps.set(c.openTime, { openTime: c.openTime, prices: c, text: storedText(c), missing: false });
  for (const c of rewind.missing)
    if (inRange(c.openTime) && !steps.has(c.openTime))
      steps.set(c.openTime, { openTime: c.openTime, prices: c, text: candleText(c), missing: true });
  const series = candleSeries('enriched', { symbol, interval });
  const snapshotTimes = new Set(rewind.snapshots.filter((t) => inRange(t) && t !== current.lastOpenTime));
  const rewrittenLines: string[] = [];
  const filledLines: string[] = [];
  const filled: number[] = [];
  const snapshots: string[] = [];
  let state = rewind.from?.state ?? enricher.init;
  for (const s of [...steps.values()].sort((a, b) => a.openTime - b.openTime)) {
    const [next, indicators] = enricher.step(state, s.prices);
    state = next;
    (s.missing ? filledLines : rewrittenLines).push(enrichedLineOf(series, s.text, indicators));
    if (s.missing) filled.push(s.openTime);
    if (snapshotTimes.has(s.openTime))
      snapshots.push(snapshotLine(symbol, interval, { state, lastOpenTime: s.openTime }));
  }
  const corrected: SymbolState = {
    state,
    lastOpenTime: current.lastOpenTime,
    ...(current.derive === undefined ? {} : { derive: current.derive }),
  };
  snapshots.push(snapshotLine(symbol, interval, corrected));
  return {
    lines: [...rewrittenLines, ...snapshots, ...filledLines],
    state: corrected,
    rewritten: rewrittenLines.length,
    filled,
  };
};

/** A symbol's state as its rewrite leaves it, in place of the one in `states`. */
export const rewoundStates = (
  states: ReadonlyMap<string, SymbolState>,
  rewrites: ReadonlyMap<string, Rewrite>,
): Map<string, SymbolState> => {
  const out = new Map(states);
  for (const [symbol, r] of rewrites) out.set(symbol, r.state);
  return out;
};

/**
 * A batch result (processed from `rewoundStates`) with its symbols' rewrites: their lines before the
 * batch's own enriched points (a symbol's rewrite ends with a snapshot at the state the batch continues
 * from), the filled candles counted as enriched, and the rewritten states kept for symbols the batch did
 * not move further.
 */
export const withRewrites = (result: BatchResult, rewrites: ReadonlyMap<string, Rewrite>): BatchResult => {
  if (rewrites.size === 0) return result;
  const lines: string[] = [];
  const states = new Map<string, SymbolState>();
  for (const [symbol, r] of rewrites) {
    for (const l of r.lines) lines.push(l);
    states.set(symbol, r.state);
  }
  for (const [symbol, s] of result.states) states.set(symbol, s);
  const filledTimes = new Map([...rewrites].map(([symbol, r]) => [symbol, new Set(r.filled)]));
  const filled = (s: Pick<Stored, 'symbol' | 'openTime'>) =>
    filledTimes.get(s.symbol)?.has(s.openTime) === true;
  return {
    ...result,
    enriched: concatBodies(bodiesOf(lines), result.enriched),
    stored: result.stored.map((s) => (!s.enriched && filled(s) ? { ...s, enriched: true } : s)),
    behind: result.behind.filter((c) => !filled(c)),
    states,
  };
};
