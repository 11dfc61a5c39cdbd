import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { aggregateSeries } from '../../../src/core/aggregate/aggregate.ts';
import type { Candle } from '../../../src/core/kline/candle.ts';
import type { Interval } from '../../../src/core/kline/interval.ts';
import { readCandles, symbols } from '../../fixtures/binance.ts';
import { aCandle } from '../../fixtures/candles.ts';
import { candleSeries } from '../../fixtures/arbitraries.ts';

const aggregated = (from: Interval, to: Interval, candles: readonly Candle[]) => {
  const r = aggregateSeries(from, to, candles);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
};

/** Every aggregated candle equals Binance's own candle of the same open time, field for field. */
const assertMatchesBinance = (mine: readonly Candle[], binance: readonly Candle[], expectedCount: number) => {
  const byOpen = new Map(binance.map((c) => [c.openTime, c]));
  assert.equal(mine.length, expectedCount);
  for (const c of mine)
    assert.deepEqual(c, byOpen.get(c.openTime), `bucket ${new Date(c.openTime).toISOString()}`);
};

describe('aggregation against Binance’s own coarser candles (exact, every shared pair)', () => {
  const m1 = readCandles('BTCUSDT/1m/BTCUSDT-1m-2024-09-21.csv');

  it('BTCUSDT 1m → 15m equals the REST 15m candles of 2024-09-21 (96 buckets)', () => {
    const { candles, events } = aggregated('1m', '15m', m1);
    assert.deepEqual(events, []);
    assertMatchesBinance(candles, readCandles('BTCUSDT/15m/BTCUSDT-15m-week-2024-09-16.json'), 96);
  });

  it('BTCUSDT 1m → 1h equals the REST 1h candles of 2024-09-21 (24 buckets)', () => {
    assertMatchesBinance(
      aggregated('1m', '1h', m1).candles,
      readCandles('BTCUSDT/1h/BTCUSDT-1h-2024-09.json'),
      24,
    );
  });

  it('BTCUSDT 1m → 1d equals the REST 1d candle of 2024-09-21', () => {
    const daily = readCandles('BTCUSDT/1d/BTCUSDT-1d-2024-01-01_2025-12-31.json');
    assertMatchesBinance(aggregated('1m', '1d', m1).candles, daily, 1);
  });

  for (const symbol of symbols) {
    const m15 = readCandles(`${symbol}/15m/${symbol}-15m-week-2024-09-16.json`);
    const h1 = readCandles(`${symbol}/1h/${symbol}-1h-2024-09.json`);
    const d1 = readCandles(`${symbol}/1d/${symbol}-1d-2024-01-01_2025-12-31.json`);

    it(`${symbol} 15m → 1h equals REST 1h for the week of 2024-09-16 (168 buckets)`, () => {
      assertMatchesBinance(aggregated('15m', '1h', m15).candles, h1, 168);
    });
    it(`${symbol} 15m → 1d equals REST 1d for the week of 2024-09-16 (7 buckets)`, () => {
      assertMatchesBinance(aggregated('15m', '1d', m15).candles, d1, 7);
    });
    it(`${symbol} 1h → 1d equals REST 1d for 2024-09 (30 buckets)`, () => {
      assertMatchesBinance(aggregated('1h', '1d', h1).candles, d1, 30);
    });
  }
});

describe('aggregation of incomplete input', () => {
  const minute = (i: number): Candle =>
    aCandle({ openTime: 1726876800000 + i * 60000, closeTime: 1726876800000 + i * 60000 + 59999 });

  it('reports a gap and does not emit the bucket it breaks', () => {
    const series = [0, 1, 2, 4].map(minute); // minute 3 is missing
    const { candles, events } = aggregated('1m', '5m', series);
    assert.deepEqual(candles, []);
    assert.deepEqual(events, [
      { kind: 'gap', from: minute(3).openTime, to: minute(4).openTime, missing: 1 },
      { kind: 'incomplete', openTime: minute(0).openTime, have: 4, need: 5 },
    ]);
  });

  it('does not emit a trailing bucket that has not closed yet', () => {
    const { candles, events } = aggregated('1m', '5m', [0, 1, 2, 3, 4, 5, 6].map(minute));
    assert.equal(candles.length, 1);
    assert.deepEqual(events, [{ kind: 'incomplete', openTime: minute(5).openTime, have: 2, need: 5 }]);
  });

  it('ignores and reports a duplicate open time', () => {
    const { candles, events } = aggregated('1m', '5m', [0, 1, 1, 2, 3, 4].map(minute));
    assert.equal(candles.length, 1);
    assert.deepEqual(events, [
      { kind: 'out-of-order', openTime: minute(1).openTime, after: minute(1).openTime },
    ]);
  });

  it('refuses an interval pair that does not divide', () => {
    const r = aggregateSeries('15m', '1m', []);
    assert.equal(r.ok, false);
  });
});

describe('aggregation laws (property)', () => {
  it('composes: 1m → 15m → 1h equals 1m → 1h', () => {
    fc.assert(
      fc.property(candleSeries('1m', 240), (series) => {
        const direct = aggregated('1m', '1h', series).candles;
        const viaQuarter = aggregated('15m', '1h', aggregated('1m', '15m', series).candles).candles;
        assert.deepEqual(viaQuarter, direct);
      }),
      { numRuns: 50 },
    );
  });

  it('conserves volumes exactly: the sum over coarse candles equals the sum over their fine ones', () => {
    fc.assert(
      fc.property(candleSeries('1m', 120), (series) => {
        const coarse = aggregated('1m', '1h', series).candles;
        const units = (cs: readonly Candle[]) =>
          cs.reduce((t, c) => t + BigInt(c.volume.replace('.', '')), 0n);
        const covered = series.filter((c) =>
          coarse.some((h) => c.openTime >= h.openTime && c.closeTime <= h.closeTime),
        );
        assert.equal(units(coarse), units(covered));
      }),
      { numRuns: 50 },
    );
  });
});
