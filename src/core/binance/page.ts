import { bucketStart, intervalMs, type Interval } from '../kline/interval.ts';
import type { Candle } from '../kline/candle.ts';

/** Binance serves at most 1000 klines per request. */
export const MAX_PAGE = 1000;

/** One `GET /api/v3/klines` request: candles whose open time lies in [startTime, lastOpenTime]. */
export type PageRequest = {
  readonly startTime: number;
  /** Sent as `endTime`: the close time of the last wanted candle (works whether Binance compares it with open or close times). */
  readonly endTime: number;
  readonly limit: number;
  /** Open time of the last candle the page asks for. */
  readonly lastOpenTime: number;
  /** Whether the page reaches the newest closed candle (a missing candle there may still be on its way). */
  readonly atLiveEdge: boolean;
};

/** What a producer does next for one symbol, given its cursor (the next open time to fetch). */
export type PagePlan =
  | { readonly kind: 'fetch'; readonly request: PageRequest }
  /** Caught up: the next candle closes at `until` (ms); poll again then. */
  | { readonly kind: 'wait'; readonly until: number }
  /** The cursor reached `to`: the range is complete. */
  | { readonly kind: 'done' };

export type PlanInput = {
  readonly interval: Interval;
  /** Next open time to fetch (aligned to the interval). */
  readonly cursor: number;
  /** Current time (ms). A candle is closed when its closeTime < now. */
  readonly now: number;
  /** Exclusive end of the wanted open times, if the run is bounded. */
  readonly to?: number;
  readonly pageSize?: number;
};

/** The open time of the newest candle that is closed at `now` (closeTime = open + step − 1 < now). */
export const lastClosedOpenTime = (interval: Interval, now: number): number =>
  bucketStart(interval, now) - intervalMs[interval];

/** Aligns a start time up to the next open time of the interval (a start inside a candle skips that candle). */
export const alignCursor = (interval: Interval, time: number): number => {
  const start = bucketStart(interval, time);
  return start === time ? time : start + intervalMs[interval];
};

/**
 * Plans the next step of the one backfill-and-live loop: fetch the next page of closed candles from the
 * cursor, wait for the next candle to close, or stop at `to`.
 */
export const planPage = ({ interval, cursor, now, to, pageSize = MAX_PAGE }: PlanInput): PagePlan => {
  const step = intervalMs[interval];
  if (to !== undefined && cursor >= to) return { kind: 'done' };
  const newestClosed = lastClosedOpenTime(interval, now);
  const wantedEnd = to === undefined ? newestClosed : Math.min(newestClosed, bucketStart(interval, to - 1));
  if (cursor > wantedEnd) return { kind: 'wait', until: cursor + step };
  const size = Math.max(1, Math.min(pageSize, MAX_PAGE));
  const lastOpenTime = Math.min(cursor + (size - 1) * step, wantedEnd);
  return {
    kind: 'fetch',
    request: {
      startTime: cursor,
      endTime: lastOpenTime + step - 1,
      limit: (lastOpenTime - cursor) / step + 1,
      lastOpenTime,
      atLiveEdge: lastOpenTime === newestClosed,
    },
  };
};

/**
 * The cursor after a page answered with candles at `openTimes` (ascending, inside the page). Missing
 * candles inside a past range are skipped (Binance has none there: exchange downtime); at the live edge
 * the cursor stops after the newest candle received, so a candle not yet in Binance's database is
 * asked for again rather than skipped.
 */
export const advanceCursor = (
  interval: Interval,
  request: PageRequest,
  openTimes: readonly number[],
): number => {
  const step = intervalMs[interval];
  const newest = openTimes.at(-1);
  if (openTimes.length >= request.limit && newest !== undefined) return newest + step;
  if (request.atLiveEdge) return newest === undefined ? request.startTime : newest + step;
  return request.lastOpenTime + step;
};

/** What the producer does with a page it received: candles to publish, rows to dead-letter, the next cursor. */
export type SettledPage<R> = {
  readonly publish: readonly Candle[];
  readonly deadLetters: readonly R[];
  readonly cursor: number;
};

/**
 * Settles a page: only rows inside the page, closed at `now` (their open time + one interval ≤ now) and
 * before `to` count. The valid ones are published; the rejected ones (rows of known open time that are
 * not valid candles) go to the dead-letter topic and count as received, so the cursor moves past them
 * — at the live edge too — and never past a row it did not get. A row still open is neither: it is
 * asked for again once closed.
 */
export const settlePage = <R extends { readonly openTime: number }>(
  interval: Interval,
  request: PageRequest,
  received: { readonly candles: readonly Candle[]; readonly rejected: readonly R[] },
  now: number,
  to?: number,
): SettledPage<R> => {
  const step = intervalMs[interval];
  const wanted = (openTime: number): boolean =>
    openTime >= request.startTime &&
    openTime <= request.lastOpenTime &&
    openTime + step - 1 < now &&
    (to === undefined || openTime < to);
  const publish = received.candles.filter((c) => wanted(c.openTime));
  const deadLetters = received.rejected.filter((r) => wanted(r.openTime));
  const openTimes = [...publish.map((c) => c.openTime), ...deadLetters.map((r) => r.openTime)].sort(
    (a, b) => a - b,
  );
  return { publish, deadLetters, cursor: advanceCursor(interval, request, openTimes) };
};
