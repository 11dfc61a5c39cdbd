import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Candle } from '../../../src/core/kline/candle.ts';
import { chain } from '../../../src/core/result.ts';
import { plainMarketCandle, requireInterval, validateCandle } from '../../../src/core/kline/validate.ts';
import { candleAt, malformedFields } from '../../fixtures/arbitraries.ts';

/** What the general path makes of a candle's fields: `requireInterval` of `validateCandle`, symbol and interval in front. */
const general = (fields: Record<keyof Candle, unknown>) => {
  const r = chain(requireInterval('1m'))(validateCandle(fields));
  return r.ok ? { ok: true as const, value: { symbol: 'BTCUSDC', interval: '1m' as const, ...r.value } } : r;
};

const candle = fc.integer({ min: 0, max: 30_000_000 }).chain((m) => candleAt('1m', m * 60_000));

describe('plainMarketCandle: the fast path of the consumer decode (property)', () => {
  it('takes every candle in the shape the producer writes, and builds what the general path builds', () => {
    fc.assert(
      fc.property(candle, (c) => {
        const fields = c as unknown as Record<keyof Candle, unknown>;
        const plain = plainMarketCandle(fields, 'BTCUSDC', '1m');
        assert.notEqual(plain, undefined);
        assert.deepEqual({ ok: true, value: plain }, general(fields));
        // Same key order (the candle is written back as JSON).
        assert.deepEqual(Object.keys(plain!), Object.keys((general(fields) as { value: object }).value));
      }),
    );
  });

  it("is the record's own object when it holds the market candle's keys in order, else a copy in that order", () => {
    fc.assert(
      fc.property(candle, (c) => {
        const record = JSON.parse(JSON.stringify({ symbol: 'BTCUSDC', interval: '1m', ...c })) as Record<
          keyof Candle,
          unknown
        >;
        const expected = (general(record) as { value: object }).value;
        assert.equal(plainMarketCandle(record, 'BTCUSDC', '1m'), record, 'the record itself');
        const reordered = JSON.parse(JSON.stringify({ ...c, symbol: 'BTCUSDC', interval: '1m' })) as Record<
          keyof Candle,
          unknown
        >;
        const copy = plainMarketCandle(reordered, 'BTCUSDC', '1m');
        assert.notEqual(copy, reordered);
        assert.deepEqual(copy, expected);
        assert.deepEqual(Object.keys(copy!), Object.keys(expected));
        const extra = { ...record, note: 'x' };
        assert.deepEqual(Object.keys(plainMarketCandle(extra, 'BTCUSDC', '1m')!), Object.keys(expected));
        assert.equal(plainMarketCandle(record, 'ETHUSDC', '1m')?.symbol, 'ETHUSDC', 'the symbol given');
      }),
      { numRuns: 300 },
    );
  });

  it('never accepts what the general path refuses: a malformed candle falls through to it (which says why)', () => {
    fc.assert(
      fc.property(
        candle.chain((c) => malformedFields('1m', c)),
        (m) => {
          const fields = m.value as Record<keyof Candle, unknown>;
          const plain = plainMarketCandle(fields, 'BTCUSDC', '1m');
          const expected = general(fields);
          if (plain !== undefined) assert.deepEqual({ ok: true, value: plain }, expected, m.kind);
          else
            assert.equal(
              expected.ok,
              false,
              `${m.kind}: a valid candle the fast path left to the general one`,
            );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
