import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareDecimals, fromUnits, parseDecimal, toUnits } from '../../../src/core/kline/decimal.ts';

const sign = (x: bigint): number => (x < 0n ? -1 : x > 0n ? 1 : 0);

describe('decimals', () => {
  it('compares canonical decimals like their exact values', () => {
    const units = fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 10n ** 30n }));
    fc.assert(
      fc.property(units, units, (a, b) => compareDecimals(fromUnits(a), fromUnits(b)) === sign(a - b)),
      { numRuns: 20000 },
    );
  });

  it('compares near neighbours and equal values', () => {
    for (const [a, b] of [
      ['0.00000000', '0.00000001'],
      ['9.99999999', '10.00000000'],
      ['99999.99999999', '100000.00000000'],
      ['1.50000000', '1.50000000'],
    ] as const) {
      assert.equal(compareDecimals(a, b), sign(toUnits(a) - toUnits(b)), `${a} ${b}`);
      assert.equal(compareDecimals(b, a), sign(toUnits(b) - toUnits(a)), `${b} ${a}`);
    }
  });

  it('parses canonical text to itself and other text to the canonical form', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), (u) => {
        const d = fromUnits(u);
        const p = parseDecimal(d);
        return p.ok && p.value === d;
      }),
    );
    assert.deepEqual(parseDecimal('007.5'), { ok: true, value: '7.50000000' });
    assert.deepEqual(parseDecimal('00.12345678'), { ok: true, value: '0.12345678' });
    assert.deepEqual(parseDecimal('0012.00000000'), { ok: true, value: '12.00000000' });
    assert.equal(parseDecimal('1.123456789').ok, false);
    assert.equal(parseDecimal('1,00000000').ok, false);
  });
});
