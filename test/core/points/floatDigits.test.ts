import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { writeFloat, writeFloatFast } from '../../../src/core/points/floatDigits.ts';

const SENTINEL = 0xa5; // not ASCII: never a byte of String(x)
const buf = new Uint8Array(64);

/** The text writeFloat writes for x at `at`, asserting it returns the position after it and writes nothing else. */
const written = (x: number, at = 7): string => {
  buf.fill(SENTINEL);
  const end = writeFloat(buf, at, x);
  assert.ok(end > at && end - at <= 25, `end ${end} for ${x} at ${at}`);
  for (let i = 0; i < buf.length; i++)
    if (i < at || i >= end)
      assert.equal(buf[i], SENTINEL, `byte ${i} written for ${x} at ${at} (end ${end})`);
  return Buffer.from(buf.subarray(at, end)).toString('latin1');
};

/** Whether writeFloat writes exactly String(x) at 3 and returns the position after it (no allocation but String's). */
const matches = (x: number): boolean => {
  const s = String(x);
  const end = writeFloat(buf, 3, x);
  if (end !== 3 + s.length) return false;
  for (let i = 0; i < s.length; i++) if (buf[3 + i] !== s.charCodeAt(i)) return false;
  return true;
};

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
bits[0] = 1;
const LOW = words[1] === 0x3ff00000 ? 0 : 1; // the word of the low 32 bits, in the platform's byte order
/** The double of the 64-bit pattern high·2^32 + low. */
const fromBits = (high: number, low: number): number => {
  words[LOW] = low >>> 0;
  words[1 - LOW] = high >>> 0;
  return bits[0]!;
};
/** The double `steps` patterns up from x (down when negative), x positive. */
const neighbour = (x: number, steps: number): number => {
  bits[0] = x;
  const n = BigInt(words[1 - LOW]!) * 2n ** 32n + BigInt(words[LOW]!) + BigInt(steps);
  return fromBits(Number(n >> 32n), Number(n & 0xffffffffn));
};

/** A deterministic generator of 32-bit words (an LCG: enough to spread doubles, and repeatable). */
const lcg = (seed: number) => () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
/** Uniform in [0, 1): a random 53-bit fraction from two words. */
const unit = (next: () => number) => ((next() >>> 5) * 2 ** 26 + (next() >>> 6)) / 2 ** 53;

const assertAll = (xs: Iterable<number>) => {
  for (const x of xs) assert.equal(written(x), String(x), `bits of ${x}`);
};

describe('writeFloat writes the bytes of String(x)', () => {
  it('for any double (fast-check’s doubles: NaN, ±Infinity, ±0, subnormals, huge), at any position', () => {
    fc.assert(
      fc.property(fc.double(), fc.nat({ max: 39 }), (x, at) => written(x, at) === String(x)),
      { numRuns: 100_000 },
    );
  });

  it('for the doubles of random 64-bit patterns', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), (high, low) => {
        const x = fromBits(high, low);
        return written(x) === String(x);
      }),
      { numRuns: 100_000 },
    );
  });

  it('for doubles in [1e-6, 1e7] and their negatives', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e7, noNaN: true }), (x) => {
        return written(x) === String(x) && written(-x) === String(-x);
      }),
      { numRuns: 50_000 },
    );
  });

  it('for short decimals: integers and m / 10^d', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.nat({ max: 12 }), (m, d) => {
        return written(m) === String(m) && written(m / 10 ** d) === String(m / 10 ** d);
      }),
      { numRuns: 50_000 },
    );
  });

  it('for full-precision values: means of prices, ratios and small sums', () => {
    const price = fc.integer({ min: 1, max: 10_000_000_000 }).map((units) => units / 1e4);
    fc.assert(
      fc.property(fc.array(price, { minLength: 1, maxLength: 30 }), price, (prices, p) => {
        const mean = prices.reduce((s, q) => s + q, 0) / prices.length;
        return [mean, mean / p, p / mean, 0.1 * p + 0.2, mean - p].every((x) => written(x) === String(x));
      }),
      { numRuns: 30_000 },
    );
  });

  it('at the edges: powers of ten and of two and their neighbours, the fast path’s bounds, extremes', () => {
    const edges: number[] = [
      0,
      -0,
      NaN,
      Infinity,
      -Infinity,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      Number.EPSILON,
    ];
    edges.push(2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 52 + 0.5, 0.1 + 0.2, 1 / 3, 2 / 3, 5e-7, 123e-8);
    for (let p = -7; p <= 22; p++) for (const m of [1, 2, 5, 9]) edges.push(Number(`${m}e${p}`));
    for (let e = -30; e <= 80; e++) edges.push(2 ** e);
    edges.push(1e21, 1e-6, 1e-7, 999999999999999868928, 1e15, 1e16, 1e17);
    const all = edges.flatMap((x) =>
      x > 0 && x < Infinity ? [-3, -2, -1, 0, 1, 2, 3].map((s) => neighbour(x, s)) : [x],
    );
    assertAll(all.flatMap((x) => [x, -x]));
  });

  it('writes at `at` (not at 0), nothing before it or past the position it returns', () => {
    for (const x of [63012.47219883411, -47.38291047710293, 0.000001234, 1e20, NaN, -1.5e-300, 0]) {
      for (const at of [0, 1, 11, buf.length - 25]) {
        assert.equal(written(x, at), String(x));
        assert.equal(writeFloat(buf, at, x), at + String(x).length);
      }
    }
  });

  it('on a deterministic sweep of 2.9 million doubles: any bits in [1e-6, 1e21), indicator-like values, decimals of 14 to 17 digits and their neighbours', () => {
    const next = lcg(20240921);
    const failures: string[] = [];
    const check = (x: number) => {
      if (!matches(x) && failures.length < 5) failures.push(String(x));
    };
    for (let i = 0; i < 400_000; i++) {
      // a random significand with an exponent from 2^-20 to 2^69: every binade of [1e-6, 1e21)
      const x = fromBits((next() & 0xfffff) | ((1003 + (next() % 90)) << 20), next());
      check(x);
      check(-x);
      const u = unit(next);
      check(50_000 + u * 20_000);
      check(u * 100);
      check(u * 1e-3);
      check(10 ** (u * 27 - 6));
    }
    // near a decimal of 14 to 17 digits, candidates lie near the bounds of the rounding interval
    for (let i = 0; i < 100_000; i++) {
      let digits = String(1 + (next() % 9));
      for (let k = 14 + (next() % 4); digits.length < k;) digits += String(next() % 10);
      const x = Number(`${digits}e${(next() % 27) - 22}`);
      for (let s = -2; s <= 2; s++) check(neighbour(x, s));
    }
    assert.deepEqual(failures, []);
  });
});

describe('writeFloatFast', () => {
  const rate = (gen: () => number, n: number) => {
    let fast = 0;
    for (let i = 0; i < n; i++) if (writeFloatFast(buf, 0, gen()) >= 0) fast++;
    return fast / n;
  };

  it('takes the fast path (no String) for over 99% of random doubles in [1e-3, 1e7]', () => {
    const next = lcg(7);
    assert.ok(rate(() => 1e-3 + unit(next) * (1e7 - 1e-3), 100_000) > 0.99);
    assert.ok(rate(() => 10 ** (unit(next) * 10 - 3), 100_000) > 0.99);
    assert.ok(rate(() => 50_000 + unit(next) * 20_000, 100_000) > 0.99);
  });

  it('takes it for short decimals, powers of ten and of two among them', () => {
    for (const x of [0.1, 0.3, 0.5, 1, 2, 10, 12.34, 100, 1024, 1e-5, 0.001, 1e3, 1e8, 47.5, 63012.47, 1e20])
      assert.ok(writeFloatFast(buf, 0, x) >= 0, String(x));
  });

  it('declines, writing nothing, outside 1e-6 ≤ |x| < 1e21 where String uses an exponent, and NaN', () => {
    for (const x of [0, -0, NaN, Infinity, -Infinity, 1e21, 1e-7, neighbour(1e-6, -1), 5e-324, 1e300]) {
      buf.fill(SENTINEL);
      assert.equal(writeFloatFast(buf, 5, x), -1, String(x));
      assert.ok(buf.every((b) => b === SENTINEL));
    }
  });
});
