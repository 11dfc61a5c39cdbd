import type { Enricher } from '../../core/indicators/index.ts';
import type { Interval } from '../../core/kline/interval.ts';
import type { StoredCandle } from '../../core/pipeline/rewrite.ts';
import { replayRanges, SNAPSHOT_MEASUREMENT, type SymbolState } from '../../core/pipeline/snapshot.ts';
import type { Result } from '../../core/result.ts';
import {
  coinIs,
  collect,
  fluxRange,
  fluxString,
  fluxUnion,
  rowTime,
  snapshotsOfRows,
  type CallOptions,
  type InfluxTarget,
} from './influx.ts';

/*
 * What the consumer reads of the enriched bucket when candles arrive behind a symbol's state (see
 * src/core/pipeline/rewrite.ts): which of them are enriched, the snapshot before the first that is not,
 * and the points and snapshots stored after it. Each is one Flux query for all the symbols concerned.
 */

/** The enriched bucket of an interval's consumer. */
export type EnrichedBucket = {
  readonly target: InfluxTarget;
  readonly bucket: string;
  readonly interval: Interval;
};

/** Epoch ms, [start, stop). */
export type Span = { readonly start: number; readonly stop: number };

type SpanGroup = Span & { readonly symbols: string[] };

/**
 * Symbols whose spans are read in one table: grouped by start as a replay groups them (`replayRanges`: a
 * group takes the symbols that start within `width` ms of its first), each group ending at the latest
 * stop among its symbols (the extra points read are ignored).
 */
export const spanGroups = (spans: ReadonlyMap<string, Span>, width: number): SpanGroup[] =>
  replayRanges(new Map([...spans].map(([s, span]) => [s, span.start])), width).map((r) => ({
    start: r.start,
    stop: Math.max(...r.symbols.map((s) => spans.get(s)!.stop)),
    symbols: [...r.symbols],
  }));

const enrichedTable = (
  bucket: string,
  interval: Interval,
  g: SpanGroup,
  fields: readonly string[],
): string => `
  from(bucket: ${fluxString(bucket)})
    |> ${fluxRange(g.start, g.stop)}
    |> filter(fn: (r) => r._measurement == "kline" and r.interval == ${fluxString(interval)} and r.type == "enriched")
    |> filter(fn: (r) => ${coinIs(g.symbols)})
    |> filter(fn: (r) => ${fields.map((f) => `r._field == ${fluxString(f)}`).join(' or ')})`;

/** A fresh value per symbol asked about, so that every symbol has an answer. */
const perSymbol = <T>(symbols: ReadonlyMap<string, unknown>, fresh: () => T): Map<string, T> =>
  new Map([...symbols.keys()].map((s) => [s, fresh()]));

/** The open times each symbol's enriched series holds within its span. */
export const enrichedOpenTimes = async (
  { target, bucket, interval }: EnrichedBucket,
  spans: ReadonlyMap<string, Span>,
  width: number,
  o: CallOptions = {},
): Promise<Map<string, Set<number>>> => {
  const times = perSymbol(spans, () => new Set<number>());
  if (spans.size === 0) return times;
  const tables = spanGroups(spans, width).map((g) => enrichedTable(bucket, interval, g, ['close']));
  const rows = await collect(target, `${fluxUnion(tables)}\n  |> keep(columns: ["coin", "_time"])`, o);
  for (const r of rows) times.get(String(r['coin']))?.add(rowTime(r));
  return times;
};

/**
 * The newest snapshot of each symbol stored before its time: the state, undefined when there is none, or
 * why the stored one cannot be read (another indicator configuration…).
 */
export const snapshotsBefore = async (
  { target, bucket, interval }: EnrichedBucket,
  before: ReadonlyMap<string, number>,
  isState: Enricher['isState'],
  o: CallOptions = {},
): Promise<Map<string, Result<SymbolState, string> | undefined>> => {
  const out = perSymbol<Result<SymbolState, string> | undefined>(before, () => undefined);
  if (before.size === 0) return out;
  // `last()` per series needs one stop per table: symbols sharing the time (one hole of many symbols) share it.
  const byStop = Map.groupBy(before.keys(), (s) => before.get(s)!);
  const tables = [...byStop].map(
    ([stop, symbols]) => `
  from(bucket: ${fluxString(bucket)})
    |> ${fluxRange(0, stop)}
    |> filter(fn: (r) => r._measurement == ${fluxString(SNAPSHOT_MEASUREMENT)} and r.interval == ${fluxString(interval)})
    |> filter(fn: (r) => ${coinIs(symbols)})
    |> last()`,
  );
  const rows = await collect(target, fluxUnion(tables), o);
  for (const [s, state] of snapshotsOfRows(rows, isState)) if (out.has(s)) out.set(s, state);
  return out;
};

/** A symbol's enriched series read back over its span: its points, and the open times of its snapshots. */
export type StoredSpan = { readonly candles: StoredCandle[]; readonly snapshots: number[] };

const CANDLE_FIELDS = ['open', 'high', 'low', 'close', 'volume', 'trades'] as const;

/** The enriched points (the candle's own fields) and the snapshot times each symbol holds within its span. */
export const storedSpans = async (
  { target, bucket, interval }: EnrichedBucket,
  spans: ReadonlyMap<string, Span>,
  width: number,
  o: CallOptions = {},
): Promise<Map<string, StoredSpan>> => {
  const out = perSymbol<StoredSpan>(spans, () => ({ candles: [], snapshots: [] }));
  if (spans.size === 0) return out;
  const groups = spanGroups(spans, width);
  const [points, snapshots] = await Promise.all([
    collect(
      target,
      `${fluxUnion(groups.map((g) => enrichedTable(bucket, interval, g, CANDLE_FIELDS)))}
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> keep(columns: ["coin", "_time", ${CANDLE_FIELDS.map((f) => fluxString(f)).join(', ')}])`,
      o,
    ),
    collect(
      target,
      `${fluxUnion(
        groups.map(
          (g) => `
  from(bucket: ${fluxString(bucket)})
    |> ${fluxRange(g.start, g.stop)}
    |> filter(fn: (r) => r._measurement == ${fluxString(SNAPSHOT_MEASUREMENT)} and r.interval == ${fluxString(interval)} and r._field == "last_open_time")
    |> filter(fn: (r) => ${coinIs(g.symbols)})`,
        ),
      )}
  |> keep(columns: ["coin", "_time"])`,
      o,
    ),
  ]);
  for (const r of points) {
    const span = out.get(String(r['coin']));
    span?.candles.push({
      openTime: rowTime(r),
      open: String(r['open']),
      high: String(r['high']),
      low: String(r['low']),
      close: String(r['close']),
      volume: String(r['volume']),
      trades: Number(r['trades']),
    });
  }
  for (const r of snapshots) out.get(String(r['coin']))?.snapshots.push(rowTime(r));
  return out;
};
