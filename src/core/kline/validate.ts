import { err, ok, type Result } from '../result.ts';
import { decimalFields, marketCandleKeys, type Candle, type MarketCandle } from './candle.ts';
import { compareDecimals, isCanonical, parseDecimal, type Decimal } from './decimal.ts';
import { bucketStart, intervalMs, intervals, type Interval } from './interval.ts';
import { problem, type Problem } from './rejection.ts';

/** The fields of a candle as they come off the wire, before validation. */
export type CandleFields = {
  readonly openTime: unknown;
  readonly open: unknown;
  readonly high: unknown;
  readonly low: unknown;
  readonly close: unknown;
  readonly volume: unknown;
  readonly closeTime: unknown;
  readonly quoteVolume: unknown;
  readonly trades: unknown;
  readonly takerBuyBase: unknown;
  readonly takerBuyQuote: unknown;
};

/**
 * A 16-digit time is microseconds (data.binance.vision spot files since 2025-01-01, or the
 * `X-MBX-TIME-UNIT: MICROSECOND` header); a 13-digit one is milliseconds. Both normalise to ms.
 */
const MICROSECOND_THRESHOLD = 1e14;

/** A time in ms; `opening` times in µs must be whole milliseconds (a bucket opens on a millisecond). */
const toMillis = (value: unknown, field: string, opening = false): Result<number, Problem> => {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    return err(problem(`not a non-negative integer time: ${JSON.stringify(value)}`, field));
  if (n < MICROSECOND_THRESHOLD) return ok(n);
  if (opening && n % 1000 !== 0) return err(problem(`${n} µs is not a whole millisecond`, field));
  return ok(Math.floor(n / 1000));
};

const toDecimal = (value: unknown, field: string): Result<Decimal, Problem> => {
  if (typeof value !== 'string') return err(problem(`not a decimal string: ${JSON.stringify(value)}`, field));
  const d = parseDecimal(value);
  return d.ok ? d : err(problem(d.error, field));
};

const toCount = (value: unknown, field: string): Result<number, Problem> => {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
    ? ok(n)
    : err(problem(`not a non-negative integer: ${JSON.stringify(value)}`, field));
};

/** The interval whose length a candle spans, if any. */
export const intervalOf = (candle: Pick<Candle, 'openTime' | 'closeTime'>): Interval | undefined => {
  const span = candle.closeTime - candle.openTime + 1;
  return intervals.find((i) => intervalMs[i] === span);
};

/** Whether a time is the open time of a bucket of `interval` (a 1h candle opens on the hour). */
export const isAligned = (interval: Interval, time: number): boolean => bucketStart(interval, time) === time;

/**
 * What is wrong with a candle's times for `interval` (by default the one it spans), if anything: it must
 * close 1 ms before the next bucket (closeTime = openTime + interval - 1) and open at the start of one.
 */
const timing = (c: Candle, interval = intervalOf(c)): Problem | undefined => {
  const span = c.closeTime - c.openTime + 1;
  if (interval === undefined)
    return problem(`closeTime ${c.closeTime} is not openTime + interval - 1 for any interval`, 'closeTime');
  if (span !== intervalMs[interval])
    return problem(`candle spans ${span} ms, not one ${interval}`, 'closeTime');
  if (isAligned(interval, c.openTime)) return undefined;
  const start = bucketStart(interval, c.openTime);
  return problem(`openTime ${c.openTime} is not the start of a ${interval} (that is ${start})`, 'openTime');
};

const consistency = (c: Candle): Problem | undefined => {
  const mistimed = timing(c);
  if (mistimed !== undefined) return mistimed;
  if (compareDecimals(c.low, c.high) > 0) return problem(`low ${c.low} is above high ${c.high}`, 'low');
  for (const f of ['open', 'close'] as const) {
    if (compareDecimals(c[f], c.high) > 0) return problem(`${f} ${c[f]} is above high ${c.high}`, f);
    if (compareDecimals(c[f], c.low) < 0) return problem(`${f} ${c[f]} is below low ${c.low}`, f);
  }
  if (compareDecimals(c.takerBuyBase, c.volume) > 0)
    return problem(`takerBuyBase ${c.takerBuyBase} exceeds volume ${c.volume}`, 'takerBuyBase');
  if (compareDecimals(c.takerBuyQuote, c.quoteVolume) > 0)
    return problem(`takerBuyQuote ${c.takerBuyQuote} exceeds quoteVolume ${c.quoteVolume}`, 'takerBuyQuote');
  return undefined;
};

/** Checks every field of a wire candle and its internal consistency; the first problem wins. */
export const validateCandle = (fields: CandleFields): Result<Candle, Problem> => {
  const openTime = toMillis(fields.openTime, 'openTime', true);
  if (!openTime.ok) return openTime;
  const closeTime = toMillis(fields.closeTime, 'closeTime');
  if (!closeTime.ok) return closeTime;
  const trades = toCount(fields.trades, 'trades');
  if (!trades.ok) return trades;
  const decimals: Partial<Record<(typeof decimalFields)[number], Decimal>> = {};
  for (const f of decimalFields) {
    const d = toDecimal(fields[f], f);
    if (!d.ok) return d;
    decimals[f] = d.value;
  }
  const d = decimals as Record<(typeof decimalFields)[number], Decimal>;
  // Built field by field so every candle has the REST row's key order (stable JSON).
  const candle: Candle = {
    openTime: openTime.value,
    open: d.open,
    high: d.high,
    low: d.low,
    close: d.close,
    volume: d.volume,
    closeTime: closeTime.value,
    quoteVolume: d.quoteVolume,
    trades: trades.value,
    takerBuyBase: d.takerBuyBase,
    takerBuyQuote: d.takerBuyQuote,
  };
  const inconsistent = consistency(candle);
  return inconsistent === undefined ? ok(candle) : err(inconsistent);
};

/** A candle of a known interval spans it and opens at the start of one of its buckets. */
export const requireInterval =
  (interval: Interval) =>
  (candle: Candle): Result<Candle, Problem> => {
    const mistimed = timing(candle, interval);
    return mistimed === undefined ? ok(candle) : err(mistimed);
  };

/**
 * The interval of a series read without one: the coarsest interval some of its candles span to which
 * every candle's open time is aligned. A copy with a wrong close time spans a finer interval than the
 * series, or a coarser one that the open times of two consecutive candles cannot both be aligned to, so
 * it does not change the interval of a series of two candles or more.
 */
export const seriesInterval = (candles: readonly Candle[]): Interval | undefined => {
  const spans = new Set(candles.map(intervalOf));
  return intervals.findLast((i) => spans.has(i) && candles.every((c) => isAligned(i, c.openTime)));
};

/** A millisecond time or count as `toMillis` and `toCount` return it unchanged: a number, no conversion. */
const isPlainTime = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < MICROSECOND_THRESHOLD;

const isPlainDecimal = (v: unknown): v is Decimal => typeof v === 'string' && isCanonical(v);

/**
 * Whether an object's enumerable keys are `marketCandleKeys`, in order: a `for…in` over a plain object
 * walks its enum cache, so a decoded record is checked without an array of its keys.
 */
const inMarketCandleOrder = (o: object): boolean => {
  let i = 0;
  for (const key in o) if (key !== marketCandleKeys[i++]) return false;
  return i === marketCandleKeys.length;
};

/**
 * `requireInterval(interval)` of `validateCandle(fields)` with the symbol and interval in front, for a
 * candle in the shape the producer writes (times and trades as numbers in ms, decimals canonical): the
 * same candle, built at once without a `Result` per field. Undefined when the candle is in another
 * shape or invalid: the caller then takes the general path, which says why. A record in the producer's
 * key order is the candle itself (no copy per record).
 */
export const plainMarketCandle = (
  fields: CandleFields,
  symbol: string,
  interval: Interval,
): MarketCandle | undefined => {
  const {
    openTime,
    open,
    high,
    low,
    close,
    volume,
    closeTime,
    quoteVolume,
    trades,
    takerBuyBase,
    takerBuyQuote,
  } = fields;
  if (
    !isPlainTime(openTime) ||
    !isPlainTime(closeTime) ||
    typeof trades !== 'number' ||
    !Number.isSafeInteger(trades) ||
    trades < 0 ||
    !isPlainDecimal(open) ||
    !isPlainDecimal(high) ||
    !isPlainDecimal(low) ||
    !isPlainDecimal(close) ||
    !isPlainDecimal(volume) ||
    !isPlainDecimal(quoteVolume) ||
    !isPlainDecimal(takerBuyBase) ||
    !isPlainDecimal(takerBuyQuote)
  )
    return undefined;
  // Spanning `interval` (checked first), the candle spans no other: `timing(candle)` is this one. The
  // decimals are canonical: `compareDecimals` of each pair is `atMost`.
  const valid =
    timing(fields as unknown as Candle, interval) === undefined &&
    atMost(low, high) &&
    atMost(open, high) &&
    atMost(low, open) &&
    atMost(close, high) &&
    atMost(low, close) &&
    atMost(takerBuyBase, volume) &&
    atMost(takerBuyQuote, quoteVolume);
  if (!valid) return undefined;
  // The key order of `{ symbol, interval, ...validateCandle(fields).value }` (stable JSON): the record's own
  // object when it has exactly those keys in that order (as the producer writes it), else a copy.
  const named = fields as Readonly<Record<string, unknown>>;
  if (named['symbol'] === symbol && named['interval'] === interval && inMarketCandleOrder(fields))
    return fields as unknown as MarketCandle;
  const candle: MarketCandle = {
    symbol,
    interval,
    openTime,
    open,
    high,
    low,
    close,
    volume,
    closeTime,
    quoteVolume,
    trades,
    takerBuyBase,
    takerBuyQuote,
  };
  return candle;
};

/** `compareDecimals(a, b) <= 0` of canonical decimals: the shorter is smaller, equal lengths compare as text. */
const atMost = (a: Decimal, b: Decimal): boolean => a.length < b.length || (a.length === b.length && a <= b);
