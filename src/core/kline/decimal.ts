import { err, ok, type Result } from '../result.ts';

/**
 * Binance decimals: non-negative, at most 8 decimal places, sent as strings. A `Decimal` is the
 * canonical text form with exactly 8 places ("63012.50000000"), so equal values are equal strings
 * and JSON carries them unchanged. Arithmetic runs on `bigint` units of 1e-8, which is exact.
 */
export type Decimal = string;

export const SCALE = 8;
const UNIT = 10n ** BigInt(SCALE);
const decimalPattern = /^(\d+)(?:\.(\d{0,8}))?$/;

/** Digits, a dot before the last 8 of them, and no leading zero before a digit ("0.5…" is fine). */
export const isCanonical = (d: string): boolean => {
  const dot = d.length - 9;
  if (dot < 1 || d.charCodeAt(dot) !== 46 || (dot > 1 && d.charCodeAt(0) === 48)) return false;
  for (let i = 0; i < d.length; i++) {
    const c = d.charCodeAt(i);
    if (i !== dot && (c < 48 || c > 57)) return false;
  }
  return true;
};

/** Parses decimal text (string or JSON number text) into its canonical 8-place form. */
export const parseDecimal = (text: string): Result<Decimal, string> => {
  // Candles on the wire are canonical already (the producer writes them so): no regex, no copy.
  if (isCanonical(text)) return ok(text);
  const m = decimalPattern.exec(text);
  if (m === null)
    return err(`not a non-negative decimal with at most ${SCALE} places: ${JSON.stringify(text)}`);
  const whole = m[1]!.replace(/^0+(?=\d)/, '');
  const frac = (m[2] ?? '').padEnd(SCALE, '0');
  return ok(`${whole}.${frac}`);
};

/** The exact value of a canonical decimal in units of 1e-8. */
export const toUnits = (d: Decimal): bigint => BigInt(d.replace('.', ''));

/** The canonical decimal of a (non-negative) number of 1e-8 units. */
export const fromUnits = (units: bigint): Decimal => {
  const whole = units / UNIT;
  const frac = (units % UNIT).toString().padStart(SCALE, '0');
  return `${whole}.${frac}`;
};

/** Exact sum of canonical decimals. */
export const sumDecimals = (ds: readonly Decimal[]): Decimal => {
  let total = 0n;
  for (const d of ds) total += toUnits(d);
  return fromUnits(total);
};

/**
 * Exact comparison of canonical decimals: negative, zero or positive like `a - b`. Canonical decimals
 * have no leading zeros and exactly 8 places, so the longer one is larger and equal lengths compare as
 * text; that avoids two `BigInt`s per comparison (validation compares six pairs per candle). Anything
 * not in that shape is compared through `toUnits`.
 */
export const compareDecimals = (a: Decimal, b: Decimal): number => {
  if (isCanonical(a) && isCanonical(b)) {
    if (a.length !== b.length) return a.length < b.length ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const x = toUnits(a);
  const y = toUnits(b);
  return x < y ? -1 : x > y ? 1 : 0;
};
