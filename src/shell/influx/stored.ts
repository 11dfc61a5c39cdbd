import type { StoredSeries } from '../../core/binance/repair.ts';
import { intervalMs, type Interval } from '../../core/kline/interval.ts';
import { coinIs, collect, fluxString, rowTime, type CallOptions, type InfluxTarget } from './influx.ts';

/*
 * What the raw bucket holds of the exchange's candles (`kline`, type raw), for the producer: the newest
 * stored open time of each symbol, and where its stored series has holes. Every query names the symbols
 * with `==` joined by `or` (pushed down to the storage engine) and reads the `close` field only.
 */

/** Holes reported per symbol at most: a series missing every other candle is repaired in parts. */
const MAX_HOLES = 10_000;

const rawSeries = (bucket: string, interval: Interval, symbols: readonly string[], range: string): string => `
  from(bucket: ${fluxString(bucket)})
    |> ${range}
    |> filter(fn: (r) => r._measurement == "kline" and r.interval == ${fluxString(interval)} and r.type == "raw" and r._field == "close")
    |> filter(fn: (r) => ${coinIs(symbols)})`;

const EVER = 'range(start: 1970-01-01T00:00:00Z, stop: 2200-01-01T00:00:00Z)';
const since = (from: number) => `range(start: ${new Date(from).toISOString()}, stop: 2200-01-01T00:00:00Z)`;

/** The newest stored open time of each symbol of an interval (symbols without a stored point are absent). */
export const storedNewest = async (
  target: InfluxTarget,
  bucket: string,
  interval: Interval,
  symbols: readonly string[],
  o: CallOptions = {},
): Promise<Map<string, number>> => {
  if (symbols.length === 0) return new Map();
  const rows = await collect(
    target,
    `${rawSeries(bucket, interval, symbols, EVER)}
    |> last()
    |> keep(columns: ["coin", "_time"])`,
    o,
  );
  return new Map(rows.map((r) => [String(r['coin']), rowTime(r)]));
};

/**
 * Each symbol's stored series since `from`: its first point, and each point that follows a hole (more than
 * one interval after its predecessor, found with `elapsed()`: one pass over the points, only the holes
 * come back — 1s over 24 h is 86,400 points per symbol read, a few rows returned).
 */
export const storedSeries = async (
  target: InfluxTarget,
  bucket: string,
  interval: Interval,
  symbols: readonly string[],
  from: number,
  o: CallOptions = {},
): Promise<Map<string, StoredSeries>> => {
  const out = new Map<string, { first?: number; afterHoles: { time: number; elapsed: number }[] }>();
  if (symbols.length === 0) return out;
  const series = rawSeries(bucket, interval, symbols, since(from));
  const [firsts, holes] = await Promise.all([
    collect(target, `${series}\n    |> first()\n    |> keep(columns: ["coin", "_time"])`, o),
    collect(
      target,
      `${series}
    |> elapsed(unit: 1ms)
    |> filter(fn: (r) => r.elapsed > ${intervalMs[interval]})
    |> limit(n: ${MAX_HOLES})
    |> keep(columns: ["coin", "_time", "elapsed"])`,
      o,
    ),
  ]);
  const of = (coin: string) => {
    let s = out.get(coin);
    if (s === undefined) out.set(coin, (s = { afterHoles: [] }));
    return s;
  };
  for (const r of firsts) of(String(r['coin'])).first = rowTime(r);
  for (const r of holes)
    of(String(r['coin'])).afterHoles.push({ time: rowTime(r), elapsed: Number(r['elapsed']) });
  return out;
};
