import type { Stored } from '../../core/pipeline/batch.ts';

/**
 * A batch's stored candles as its report reads them once the batch is stored, in a few arrays instead of
 * an object a candle. Written behind the next batches' processing, a batch's candles live through their
 * scavenges into the old generation, where each object a candle (and its boxed open time) waits for a
 * full collection.
 */
export type StoredCandles = {
  /** The symbol of each run of candles: a batch's candles come symbol by symbol. */
  readonly symbols: readonly string[];
  /** Where each run ends (exclusive), as an index into the candles. */
  readonly ends: Uint32Array;
  /** Each candle's open time (ms). */
  readonly openTimes: Float64Array;
  /** Whether each candle was enriched now (1) or had been before (0). */
  readonly enriched: Uint8Array;
};

/**
 * The candles in their order; those `keep` rejects are left out (only for a batch InfluxDB partly
 * refused: every other batch keeps all, and its candles are read once, without a filtered copy).
 */
export const storedCandles = (stored: readonly Stored[], keep?: (s: Stored) => boolean): StoredCandles => {
  const symbols: string[] = [];
  const ends: number[] = [];
  const openTimes = new Float64Array(stored.length);
  const enriched = new Uint8Array(stored.length);
  let n = 0;
  for (const s of stored) {
    if (keep !== undefined && !keep(s)) continue;
    if (n === 0 || s.symbol !== symbols[symbols.length - 1]) {
      if (n > 0) ends.push(n);
      symbols.push(s.symbol);
    }
    openTimes[n] = s.openTime;
    enriched[n] = s.enriched ? 1 : 0;
    n += 1;
  }
  if (n > 0) ends.push(n);
  return {
    symbols,
    ends: Uint32Array.from(ends),
    openTimes: n === stored.length ? openTimes : openTimes.slice(0, n),
    enriched: n === stored.length ? enriched : enriched.slice(0, n),
  };
};

/** The candles back as objects, for a batch InfluxDB partly refused (rare: see `withRefused`). */
export const storedList = (c: StoredCandles): Stored[] => {
  const out: Stored[] = [];
  let from = 0;
  c.symbols.forEach((symbol, run) => {
    for (let i = from; i < c.ends[run]!; i++)
      out.push({ symbol, openTime: c.openTimes[i]!, enriched: c.enriched[i] === 1 });
    from = c.ends[run]!;
  });
  return out;
};
