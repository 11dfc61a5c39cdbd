import { intervalMs, type Interval } from '../kline/interval.ts';
import { MAX_PAGE, type PageRequest } from './page.ts';

/*
 * Holes and gaps. A hole is a range of open times the stored series (InfluxDB's raw bucket) lacks; the
 * producer asks REST for it again. A gap is a range the exchange itself lacks (REST answers nothing for it
 * in the past: exchange maintenance): it is reported once, checked once more later, then given up.
 */

/** Open times from `from` to `to`, both included, aligned to the interval. */
export type OpenRange = { readonly from: number; readonly to: number };

export type StartInput = {
  readonly interval: Interval;
  /** The backfill start (`--from` or the default), aligned. */
  readonly from: number;
  /** Whether `from` was asked for: then the cursor never starts before it. */
  readonly fromExplicit: boolean;
  /** The newest open time of the symbol in the topic, if any. */
  readonly topicNewest?: number;
  /** The newest open time of the symbol stored in the raw bucket, if known. */
  readonly storedNewest?: number;
};

/**
 * Where a live market starts. From the topic: after its newest candle (not before an explicit `from`),
 * else at `from`. The stored series then moves it: stored points that end before that start leave
 * everything after them empty (the topic's retention dropped what the consumer had not stored, or a
 * default start after a long outage), so the cursor starts right after the newest stored point instead
 * (not before an explicit `from`). With nothing in the topic and the stored series past the start, the
 * cursor starts after the stored series: what it lacks before is repaired as holes (`storedHoles`).
 */
export const liveStart = ({
  interval,
  from,
  fromExplicit,
  topicNewest,
  storedNewest,
}: StartInput): number => {
  const step = intervalMs[interval];
  const base =
    topicNewest === undefined ? from : fromExplicit ? Math.max(from, topicNewest + step) : topicNewest + step;
  if (storedNewest === undefined) return base;
  const afterStored = storedNewest + step;
  if (afterStored < base) return fromExplicit ? Math.max(from, afterStored) : afterStored;
  if (topicNewest === undefined && afterStored > base) return afterStored;
  return base;
};

/** What the raw bucket says about a symbol's stored series since the backfill start. */
export type StoredSeries = {
  /** The first stored open time at or after `since`; undefined when nothing is stored there. */
  readonly first?: number;
  /** Each stored point whose predecessor is more than one interval before it: its time and the distance (ms). */
  readonly afterHoles: readonly { readonly time: number; readonly elapsed: number }[];
};

/**
 * The holes of a stored series from `since` (aligned) to `before` (exclusive: where the cursor starts):
 * the range before its first point, and every range between two points more than one interval apart. A
 * series with nothing stored since `since` has no holes to repair: the cursor's start covers it.
 */
export const storedHoles = (
  interval: Interval,
  since: number,
  before: number,
  series: StoredSeries,
): OpenRange[] => {
  const step = intervalMs[interval];
  if (series.first === undefined) return [];
  const holes: OpenRange[] = [];
  if (series.first > since) holes.push({ from: since, to: series.first - step });
  for (const { time, elapsed } of series.afterHoles)
    if (elapsed > step) holes.push({ from: Math.max(since, time - elapsed + step), to: time - step });
  return holes
    .map((h) => ({ from: h.from, to: Math.min(h.to, before - step) }))
    .filter((h) => h.from <= h.to)
    .sort((a, b) => a.from - b.from);
};

/**
 * Holes close to each other joined into one range when the joined range fits one page, so scattered
 * missing candles cost one request per page, not one each (the stored candles between them are published
 * again: the consumers store a candle once, whatever the number of copies).
 */
export const mergeHoles = (
  interval: Interval,
  holes: readonly OpenRange[],
  pageSize: number = MAX_PAGE,
): OpenRange[] => {
  const step = intervalMs[interval];
  const merged: OpenRange[] = [];
  for (const h of [...holes].sort((a, b) => a.from - b.from)) {
    const last = merged.at(-1);
    if (last !== undefined && h.from <= last.to + step)
      merged[merged.length - 1] = { ...last, to: Math.max(last.to, h.to) };
    else if (last !== undefined && (h.to - last.from) / step + 1 <= pageSize)
      merged[merged.length - 1] = { from: last.from, to: h.to };
    else merged.push(h);
  }
  return merged;
};

/** The page that repairs the start of a range (all in the past: closed, never at the live edge). */
export const repairPage = (
  interval: Interval,
  range: OpenRange,
  pageSize: number = MAX_PAGE,
): PageRequest => {
  const step = intervalMs[interval];
  const size = Math.max(1, Math.min(pageSize, MAX_PAGE));
  const lastOpenTime = Math.min(range.to, range.from + (size - 1) * step);
  return {
    startTime: range.from,
    endTime: lastOpenTime + step - 1,
    limit: (lastOpenTime - range.from) / step + 1,
    lastOpenTime,
    atLiveEdge: false,
  };
};

/** What is left of a range once a page moved its start to `cursor`; undefined when nothing is. */
export const rangeAfter = (range: OpenRange, cursor: number): OpenRange | undefined =>
  cursor > range.to ? undefined : { from: Math.max(range.from, cursor), to: range.to };

/**
 * The open times in [start, end) that a page did not bring (`received`: the open times it did bring,
 * candles and rejected rows alike), as ranges: what the exchange lacks there.
 */
export const missingRanges = (
  interval: Interval,
  start: number,
  end: number,
  received: readonly number[],
): OpenRange[] => {
  const step = intervalMs[interval];
  const missing: OpenRange[] = [];
  let next = start;
  for (const t of [...received].sort((a, b) => a - b)) {
    if (t >= end) break;
    if (t > next) missing.push({ from: next, to: t - step });
    if (t >= next) next = t + step;
  }
  if (next < end) missing.push({ from: next, to: end - step });
  return missing;
};

/** A gap of one market: reported when first seen, checked once more at `recheckAt`. */
export type Gap = OpenRange & { readonly recheckAt: number; readonly rechecked: boolean };

/** Gaps remembered per market; the oldest are forgotten beyond this. */
export const MAX_GAPS = 10_000;

export type GapNote = {
  readonly gaps: readonly Gap[];
  /** New gaps: report them (log, metric) and check them again at their `recheckAt`. */
  readonly reported: readonly Gap[];
  /** Known gaps still missing on their re-check: given up (logged once). */
  readonly givenUp: readonly OpenRange[];
};

const contains = (g: OpenRange, r: OpenRange): boolean => g.from <= r.from && r.to <= g.to;

/**
 * Files the ranges a page in the past lacked. A range inside a known gap is not reported again: on that
 * gap's re-check (`recheck`) it is given up, else it is ignored. Any other is a new gap, to re-check
 * `recheckMs` later.
 */
export const noteMissing = (
  gaps: readonly Gap[],
  missing: readonly OpenRange[],
  now: number,
  recheckMs: number,
  recheck: boolean,
): GapNote => {
  const reported: Gap[] = [];
  const givenUp: OpenRange[] = [];
  for (const r of missing) {
    const known = gaps.find((g) => contains(g, r));
    if (known === undefined) reported.push({ ...r, recheckAt: now + recheckMs, rechecked: false });
    else if (recheck) givenUp.push(r);
  }
  return { gaps: [...gaps, ...reported].slice(-MAX_GAPS), reported, givenUp };
};

/** The gaps once the re-check of `range` is over: never checked again. */
export const recheckedGaps = (gaps: readonly Gap[], range: OpenRange): Gap[] =>
  gaps.map((g) => (contains(range, g) ? { ...g, rechecked: true } : g));
