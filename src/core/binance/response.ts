import type { Candle } from '../kline/candle.ts';
import { intervalMs, type Interval } from '../kline/interval.ts';
import { describeProblem, problem, type Problem } from '../kline/rejection.ts';
import { fromRestRow } from '../kline/rest.ts';
import { isAligned, requireInterval } from '../kline/validate.ts';
import { attempt } from '../result.ts';

/** An HTTP answer as the shell saw it; header names lower case. */
export type HttpAnswer = {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
};

/**
 * A row of a klines page that sits where a candle belongs (its open time is readable, aligned to the
 * interval and after the previous row's) but is not a valid candle: a non-numeric price, high below low,
 * a wrong close time. `row` is the row as JSON text, for the dead-letter topic.
 */
export type RejectedRow = { readonly openTime: number; readonly row: string; readonly problem: Problem };

/** What the producer does with an answer of `GET /api/v3/klines`. */
export type KlinesOutcome =
  | {
      readonly kind: 'klines';
      readonly candles: readonly Candle[];
      /** Rows of known open time that are not valid candles, in page order (the valid ones are still used). */
      readonly rejected: readonly RejectedRow[];
      readonly usedWeight?: number;
    }
  /** 429: no request to this host for `retryAfterMs`. */
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number; readonly usedWeight?: number }
  /** 418: the IP is banned for `retryAfterMs`. */
  | { readonly kind: 'banned'; readonly retryAfterMs: number; readonly usedWeight?: number }
  /** 5xx, 403 (WAF), timeout, truncated or malformed body: try again after a backoff. */
  | { readonly kind: 'retryable'; readonly reason: string; readonly usedWeight?: number }
  /** Other 4xx (bad symbol, bad interval): retrying cannot help. */
  | { readonly kind: 'fatal'; readonly reason: string; readonly usedWeight?: number };

/** Waited when a 429 or 418 comes without a usable Retry-After. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

const nonNegativeInt = (s: string | undefined): number | undefined =>
  s !== undefined && /^\s*\d+\s*$/.test(s) ? Number(s) : undefined;

/** `x-mbx-used-weight-1m`, when present and numeric. */
export const usedWeightOf = (headers: Readonly<Record<string, string>>): number | undefined =>
  nonNegativeInt(headers['x-mbx-used-weight-1m']);

/**
 * Retry-After in ms: the header (seconds, or an HTTP date), else the ban end in a 418 message
 * (`IP banned until <epoch ms>`), else the default.
 */
export const retryAfterMs = (answer: HttpAnswer, now: number): number => {
  const header = answer.headers['retry-after'];
  const seconds = nonNegativeInt(header);
  if (seconds !== undefined) return seconds * 1000;
  if (header !== undefined) {
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const until = /banned until (\d{13})/.exec(answer.body)?.[1];
  if (until !== undefined) return Math.max(0, Number(until) - now);
  return DEFAULT_RETRY_AFTER_MS;
};

const withWeight = <T extends object>(outcome: T, usedWeight: number | undefined): T =>
  usedWeight === undefined ? outcome : { ...outcome, usedWeight };

const short = (body: string): string => body.slice(0, 120).replace(/\s+/g, ' ');

/**
 * The open time of a row that is an array whose first element is an integer time aligned to the interval;
 * undefined when the row cannot be placed. A row of the wrong length can be placed (to be dead-lettered
 * where it stands), never read as a candle: `fromRestRow` takes 12 elements only.
 */
const placedOpenTime = (row: unknown, interval: Interval): number | undefined => {
  if (!Array.isArray(row)) return undefined;
  const t: unknown = row[0];
  return typeof t === 'number' && Number.isSafeInteger(t) && t >= 0 && isAligned(interval, t) ? t : undefined;
};

/**
 * How many times a page with a row whose open time cannot be read is asked for again before that row is
 * placed by its neighbours and dead-lettered: a damaged answer is gone on a retry, a row the exchange
 * stored so comes back every time.
 */
export const UNPLACED_RETRIES = 3;

export type ClassifyOptions = {
  /**
   * Place a row whose open time cannot be read where its neighbours leave room for it (the rows around
   * it are one interval apart but for its slot), and dead-letter it there, instead of retrying the page.
   */
  readonly placeByNeighbours?: boolean;
};

/**
 * The open times of rows that have none readable (`undefined` in `times`), from their placed neighbours:
 * a run of k such rows between rows at a and b takes a + step … a + k·step when b = a + (k + 1)·step; at
 * the start or end of the page, the step from the one neighbour. Undefined when some run has no place.
 */
export const placeByNeighbours = (
  times: readonly (number | undefined)[],
  step: number,
): (number | undefined)[] | undefined => {
  const placed = [...times];
  for (let i = 0; i < times.length; i++) {
    if (times[i] !== undefined) continue;
    let j = i;
    while (j + 1 < times.length && times[j + 1] === undefined) j++;
    const [before, after, k] = [times[i - 1], times[j + 1], j - i + 1];
    if (before === undefined && after === undefined) return undefined;
    if (before !== undefined && after !== undefined && after - before !== (k + 1) * step) return undefined;
    for (let m = 0; m < k; m++)
      placed[i + m] = before !== undefined ? before + (m + 1) * step : after! - (k - m) * step;
    i = j;
  }
  return placed;
};

/**
 * A 200 body: the valid candles and the rows of known open time that are not valid candles (each one is
 * the exchange's bad row, not a transport fault, so the page is still used). A body that is not a JSON
 * array, rows out of order (a bad row at the open time of another row included) or a row that cannot be
 * placed (not an array, no aligned open time) make the whole page retryable: they look like a damaged
 * answer, and no row can be trusted to be where it claims — except, with `placeByNeighbours` (after
 * `UNPLACED_RETRIES`), a row whose open time alone is unreadable and whose neighbours leave its slot.
 */
const klines = (body: string, interval: Interval, options: ClassifyOptions): KlinesOutcome => {
  const parsed = attempt(
    () => JSON.parse(body) as unknown,
    () => 'truncated or malformed body (not JSON)',
  );
  if (!parsed.ok) return { kind: 'retryable', reason: parsed.error };
  if (!Array.isArray(parsed.value))
    return { kind: 'retryable', reason: `malformed body (not an array of klines): ${short(body)}` };
  const candles: Candle[] = [];
  const rejected: RejectedRow[] = [];
  const unplaced: { readonly index: number; readonly row: unknown; readonly problem: Problem }[] = [];
  const times: (number | undefined)[] = [];
  const check = requireInterval(interval);
  let previous = Number.NEGATIVE_INFINITY;
  for (const [i, row] of parsed.value.entries()) {
    const candle = fromRestRow(row);
    const fits = candle.ok ? check(candle.value) : candle;
    const openTime = fits.ok ? fits.value.openTime : placedOpenTime(row, interval);
    if (openTime === undefined) {
      const why = fits.ok ? { reason: 'no open time' } : fits.error;
      if (!options.placeByNeighbours || !Array.isArray(row))
        return { kind: 'retryable', reason: `malformed kline ${i}: ${describeProblem(why)}` };
      unplaced.push({ index: i, row, problem: why });
      times.push(undefined);
      continue;
    }
    if (openTime <= previous)
      return { kind: 'retryable', reason: `malformed body: kline ${i} is not after the previous one` };
    previous = openTime;
    times.push(openTime);
    if (fits.ok) candles.push(fits.value);
    else rejected.push({ openTime, row: JSON.stringify(row), problem: fits.error });
  }
  if (unplaced.length === 0) return { kind: 'klines', candles, rejected };
  const places = placeByNeighbours(times, intervalMs[interval]);
  if (places === undefined)
    return {
      kind: 'retryable',
      reason: 'malformed body: rows without a readable open time and no place for them',
    };
  for (const u of unplaced)
    rejected.push({
      openTime: places[u.index]!,
      row: JSON.stringify(u.row),
      problem: problem(
        `no readable open time (${describeProblem(u.problem)}); placed by its neighbours`,
        u.problem.field ?? 'openTime',
      ),
    });
  return { kind: 'klines', candles, rejected: rejected.sort((a, b) => a.openTime - b.openTime) };
};

/** Classifies an answer of `GET /api/v3/klines` (never throws, whatever the body). */
export const classifyKlines = (
  answer: HttpAnswer,
  interval: Interval,
  now: number,
  options: ClassifyOptions = {},
): KlinesOutcome => {
  const usedWeight = usedWeightOf(answer.headers);
  const { status } = answer;
  if (status === 200) return withWeight(klines(answer.body, interval, options), usedWeight);
  if (status === 429)
    return withWeight({ kind: 'rate-limited', retryAfterMs: retryAfterMs(answer, now) }, usedWeight);
  if (status === 418)
    return withWeight({ kind: 'banned', retryAfterMs: retryAfterMs(answer, now) }, usedWeight);
  if (status >= 500 || status === 403 || status === 408)
    return withWeight({ kind: 'retryable', reason: `HTTP ${status}: ${short(answer.body)}` }, usedWeight);
  return withWeight({ kind: 'fatal', reason: `HTTP ${status}: ${short(answer.body)}` }, usedWeight);
};
