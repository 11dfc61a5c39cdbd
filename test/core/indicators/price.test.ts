import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { priceOf } from '../../../src/core/indicators/index.ts';
import { readCandles, restFiles } from './candles.ts';

/** A canonical 8-place decimal string of a count of 1e-8 units. */
const decimal = (units: bigint): string => {
  const text = units.toString().padStart(9, '0');
  return `${text.slice(0, -8)}.${text.slice(-8)}`;
};

describe('priceOf', () => {
  it('equals Number() on every canonical decimal, at every magnitude', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), (units) => {
        const s = decimal(units);
        return Object.is(priceOf(s), Number(s));
      }),
      { numRuns: 20000 },
    );
  });
  it('equals Number() on every price of the real candle files', () => {
    for (const file of restFiles())
      for (const c of readCandles(file))
        for (const s of [c.open, c.high, c.low, c.close]) assert.equal(priceOf(s), Number(s), s);
  });
  it('falls back to Number() for other shapes', () => {
    for (const s of ['1', '1.5', '.12345678', '12a45.00000000', '1e3', '', '00000000000000000001.00000000'])
      assert.ok(Object.is(priceOf(s), Number(s)), s);
  });
});
