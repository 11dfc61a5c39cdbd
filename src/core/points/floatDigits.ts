/*
 * String(x) written as ASCII bytes without allocating, for the line writer's indicator values (about 14 per
 * candle, most of them full-precision doubles): String(x) costs a short-lived string each and takes 2 to 3
 * times as long.
 *
 * ECMAScript's Number::toString prints the decimal of fewest significant digits that reads back as x (rounds
 * to x), and of several such, the one closest to x (V8 follows the spec's note: ties to the even one). For
 * 1e-6 ≤ |x| < 1e21, where String uses no exponent, we take the nearest decimal of 15, then 16, then 17
 * significant digits, and the first that reads back is String's digits (trailing zeros dropped):
 *  - a decimal reads back iff it is less than half an ulp from x (or exactly half an ulp, when x's
 *    significand is even: we never decide that close, see TOL). The interval is symmetric except at powers of
 *    two (a quarter of an ulp below), which `pow2` deals with;
 *  - 15-digit decimals are more than 4 ulps apart (10^(e−14) against ulp < 2^−52·10^(e+1)), so at most one
 *    reads back, and every shorter decimal is a 15-digit one ending in zeros: if the nearest one reads back,
 *    it is the shortest; if it does not, none of 15 digits or fewer does;
 *  - the nearest 16-digit decimal is the closest of its length, and reads back if any of them does;
 *  - the nearest 17-digit decimal always reads back: half an ulp is more than 0.55 units of its last digit.
 * Decimals beyond 10^e or 10^(e+1), where the grid of k digits is finer or coarser, change none of this:
 * each is farther from x than that power of ten, which is on the grid tried.
 *
 * Arithmetic: X = |x|·10^(8−e), with e = ⌊log10|x|⌋, as a double-double hi + lo: 10^j is an exact double
 * for 0 ≤ j ≤ 22 and a double-double (to 2^−107) below, and the product's rounding error is exact by
 * Dekker's two-product (JavaScript has no FMA), so X is accurate to about 2^−104 relatively. X is in
 * [10^8, 10^9): its integer part a has 9 digits, f is its fraction. The k-digit candidate is `top`, a's first
 * k − 8 digits, then 8 digits: the rest of a and f scaled to the k-th digit (t) and rounded. So every integer
 * stays below 2^31 (a 17-digit one would not be exact in a double), and the candidate's distance to x in
 * units of its last digit, |round(t) − t|, is accurate to 2e-8. We decide only when it is more than TOL from
 * half an ulp (in the same units) and from 0.5 (a tie between the candidates on either side of x): the rest,
 * rare outside huge values with few fraction bits, is left to String.
 */

/** Margin, in units of a candidate's last digit, far above the 2e-8 error of its distance to x. */
const TOL = 1e-6;
const ZERO = 48;
const DOT = 46;
const MINUS = 45;

/** A double's bits, read and written through a scratch array in the platform's byte order. */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
f64[0] = 1;
const HI = u32[1] === 0x3ff00000 ? 1 : 0;
const LO = 1 - HI;

/** a·b − p exactly, for p = a·b rounded (Dekker's two-product, splitting with Veltkamp's 2^27 + 1). */
const productError = (a: number, b: number, p: number): number => {
  const as = 134217729 * a;
  const ah = as - (as - a);
  const al = a - ah;
  const bs = 134217729 * b;
  const bh = bs - (bs - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
};

/** 10^j = POW_HI[j + OFFSET] + POW_LO[j + OFFSET] for −13 ≤ j ≤ 22: exact for j ≥ 0, to 2^−107 below. */
const OFFSET = 13;
const POW_HI = new Float64Array(OFFSET + 23);
const POW_LO = new Float64Array(OFFSET + 23);
for (let m = 0, p = 1; m <= 22; m++, p *= 10) {
  POW_HI[OFFSET + m] = p;
  if (m === 0 || m > OFFSET) continue;
  const hi = 1 / p; // the double nearest 10^−m
  const q = hi * p;
  POW_HI[OFFSET - m] = hi;
  POW_LO[OFFSET - m] = (1 - q - productError(hi, p, q)) / p; // (1 − hi·10^m) / 10^m
}

/** "00" … "99": the digits of a number below 100 at 2n and 2n + 1. */
const PAIRS = new Uint8Array(200);
for (let n = 0; n < 100; n++) {
  PAIRS[2 * n] = ZERO + ((n / 10) | 0);
  PAIRS[2 * n + 1] = ZERO + (n % 10);
}

/** A candidate's 17 digits, zero-padded: top's 9 then low's 8 (see `layout`). */
const DIGITS = new Uint8Array(17);

/** Writes v < 10^4 as 4 digits (zero-padded) into DIGITS from i, two per table read. */
const put4 = (i: number, v: number) => {
  const h = (v / 100) | 0;
  const l = v - h * 100;
  DIGITS[i] = PAIRS[2 * h]!;
  DIGITS[i + 1] = PAIRS[2 * h + 1]!;
  DIGITS[i + 2] = PAIRS[2 * l]!;
  DIGITS[i + 3] = PAIRS[2 * l + 1]!;
};

/** Writes v < 10^8 as 8 digits (zero-padded) into DIGITS from i. */
const put8 = (i: number, v: number) => {
  const h = (v / 10000) | 0;
  put4(i, h);
  put4(i + 4, v - h * 10000);
};

/**
 * Writes the decimal whose digits are top's (topDigits of them, the first nonzero) then low's (8, zero-padded)
 * and whose first digit is that of 10^e, signed, laid out as String does; returns the position after it. The
 * digits are made in DIGITS, a pair at a time, and copied around the decimal point: a division and a branch
 * per digit, straight into `buf`, were a third of the time.
 */
const layout = (
  buf: Uint8Array,
  at: number,
  negative: boolean,
  top: number,
  topDigits: number,
  low: number,
  e: number,
): number => {
  const high = (top / 1e8) | 0;
  DIGITS[0] = ZERO + high;
  put8(1, top - high * 1e8);
  put8(9, low);
  const first = 9 - topDigits;
  let last = 17; // String's digits end in a nonzero one (top's first digit is one)
  while (DIGITS[last - 1] === ZERO) last--;
  if (negative) buf[at++] = MINUS;
  const n = e + 1; // the decimal point's place: −5 ≤ n ≤ 21 for 1e-6 ≤ |x| < 1e21, where String has no exponent
  if (n <= 0) {
    buf[at++] = ZERO;
    buf[at++] = DOT;
    for (let i = n; i < 0; i++) buf[at++] = ZERO;
    for (let i = first; i < last; i++) buf[at++] = DIGITS[i]!;
    return at;
  }
  const point = first + n;
  if (point >= last) {
    for (let i = first; i < last; i++) buf[at++] = DIGITS[i]!;
    for (let i = last; i < point; i++) buf[at++] = ZERO;
    return at;
  }
  for (let i = first; i < point; i++) buf[at++] = DIGITS[i]!;
  buf[at++] = DOT;
  for (let i = point; i < last; i++) buf[at++] = DIGITS[i]!;
  return at;
};

const READS = 1;
const LONGER = 0; // it does not: one more digit is needed
const UNSURE = -1; // too close to call, or to a tie with the candidate on the other side of x
/** Whether a candidate r units of its last digit away from x reads back as x, half an ulp being `halfUlp` units. */
const verdict = (r: number, halfUlp: number): number =>
  r > halfUlp + TOL ? LONGER : r < halfUlp - TOL && r < 0.5 - TOL ? READS : UNSURE;

/**
 * Writes String(x) into buf from `at` and returns the position after it, or returns −1 having written
 * nothing when x is outside the fast path (exported for tests, which check that it is rarely left).
 */
export const writeFloatFast = (buf: Uint8Array, at: number, x: number): number => {
  const ax = Math.abs(x);
  if (!(ax >= 1e-6 && ax < 1e21)) return -1; // NaN, ±Infinity, zero, exponent notation
  f64[0] = ax;
  const bits = u32[HI]!;
  // A power of two's interval is asymmetric: a quarter of an ulp below it, half an ulp above. For one, we
  // check the narrower side only and decide only at 15 digits: past them, a candidate on the wider side that
  // is not the nearest may read back, and String finds it.
  const pow2 = (bits & 0xfffff) === 0 && u32[LO] === 0;
  const exp2 = (bits >>> 20) - 1023;
  // ⌊log10 ax⌋ is ⌊exp2·log10 2⌋ or one more. Comparing with the double of 10^(e+1) tells which, but for
  // 10^−6's double, below 10^−6: for it, X falls just short of 10^8 and x goes to String below.
  // (10^m for 0 ≤ m ≤ 21 are doubles; for −5 ≤ m ≤ −1 their doubles are above them, so no double between.)
  let e = Math.floor(exp2 * 0.3010299956639812);
  if (ax >= POW_HI[OFFSET + e + 1]!) e++;
  const j = OFFSET + 8 - e;
  const hi = ax * POW_HI[j]!;
  const lo = productError(ax, POW_HI[j]!, hi) + ax * POW_LO[j]!;
  if (hi < 1e8 || (hi === 1e8 && lo < 0) || hi > 1e9 || (hi === 1e9 && lo >= 0)) return -1;
  let a = Math.floor(hi) | 0; // int32 from here on: V8 then divides by constants without floating point
  if (a === hi && lo < 0) a--;
  const f = hi - a + lo;
  u32[HI] = (exp2 + 1023 - 53) << 20; // 2^(exp2 − 53): half an ulp of x
  u32[LO] = 0;
  const halfUlp = f64[0]! * POW_HI[j]! * (pow2 ? 5e5 : 1e6); // in units of the 15th digit
  // The nearest 15-digit decimal: a's first 7 digits (top), then 8 from the rest of X rounded (t); at 16
  // and 17 digits likewise. All integers stay below 2^31: a 17-digit one would not be exact in a double.
  let top = (a / 100) | 0;
  let topDigits = 7;
  let t = (a - top * 100 + f) * 1e6;
  let v = verdict(Math.abs(Math.round(t) - t), halfUlp);
  if (v === LONGER && pow2) return -1; // see pow2
  if (v === LONGER) {
    top = (a / 10) | 0;
    topDigits = 8;
    t = (a - top * 10 + f) * 1e7;
    v = verdict(Math.abs(Math.round(t) - t), halfUlp * 10);
  }
  if (v === LONGER) {
    top = a;
    topDigits = 9;
    t = f * 1e8;
    v = verdict(Math.abs(Math.round(t) - t), halfUlp * 100);
  }
  if (v !== READS) return -1; // LONGER is impossible at 17 digits: half an ulp is over 0.55 units
  let low = Math.round(t) | 0;
  if (low === 1e8) {
    low = 0;
    // Never 10^(e+1): that reads back only as the double nearest it, which is below it only for 10^−6's,
    // declined above. Were it so, the candidate would have a digit too many: String, then.
    if (++top === POW_HI[OFFSET + topDigits]) return -1;
  }
  return layout(buf, at, x < 0, top, topDigits, low, e);
};

/** Writes String(x) as ASCII bytes into buf from `at` (the caller guarantees 25 bytes of room); returns the position after it. */
export const writeFloat = (buf: Uint8Array, at: number, x: number): number => {
  if (x === 0) {
    buf[at] = ZERO; // String(-0) is "0" too
    return at + 1;
  }
  const end = writeFloatFast(buf, at, x);
  if (end >= 0) return end;
  const s = String(x);
  for (let i = 0; i < s.length; i++) buf[at + i] = s.charCodeAt(i);
  return at + s.length;
};
