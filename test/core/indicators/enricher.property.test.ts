import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as R from 'ramda';
import { enricher, type IndicatorConfig, type Indicators } from '../../../src/core/indicators/index.ts';
import type { Candle } from '../../../src/core/kline/candle.ts';
import { aCandle } from './candles.ts';
import { close, enrichRef } from './reference.ts';

const period = (max = 30) => fc.integer({ min: 2, max });

const configs: fc.Arbitrary<IndicatorConfig> = fc
  .record({
    sma: fc.uniqueArray(period(40), { minLength: 0, maxLength: 3 }),
    ema: fc.uniqueArray(period(40), { minLength: 0, maxLength: 3 }),
    rsi: period(),
    fast: period(15),
    extra: fc.integer({ min: 1, max: 20 }),
    signal: period(12),
    bbPeriod: period(),
    stdDev: fc.double({ min: 0.1, max: 10, noNaN: true }),
    atr: period(),
    adx: period(20),
    volatility: period(),
  })
  .map((c) => ({
    sma: c.sma,
    ema: c.ema,
    rsi: c.rsi,
    macd: { fast: c.fast, slow: c.fast + c.extra, signal: c.signal },
    bollinger: { period: c.bbPeriod, stdDev: c.stdDev },
    atr: c.atr,
    adx: c.adx,
    volatility: c.volatility,
  }));

/**
 * A random walk of closed candles at any price scale (sub-cent coins to BTC), with flat stretches
 * (exactly repeated prices) so that zero changes, zero ranges and zero spreads occur.
 */
const series: fc.Arbitrary<Candle[]> = fc
  .record({
    start: fc.double({ min: 1e-5, max: 1e5, noNaN: true }),
    steps: fc.array(
      fc.record({
        move: fc.oneof(fc.constant(1), fc.double({ min: 0.95, max: 1.05, noNaN: true })),
        up: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.02, noNaN: true })),
        down: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.02, noNaN: true })),
      }),
      { minLength: 1, maxLength: 150 },
    ),
  })
  .map(({ start, steps }) => {
    let price = start;
    return steps.map(({ move, up, down }) => {
      price *= move;
      return aCandle(price, price * (1 + up), price * (1 - down));
    });
  });

const sameWithin = (a: readonly Indicators[], e: readonly Indicators[]): boolean =>
  a.length === e.length &&
  a.every(
    (row, i) =>
      Object.keys(row).join() === Object.keys(e[i]!).join() &&
      Object.keys(row).every((k) => close(row[k]!, e[i]![k]!)),
  );

describe('enricher, on random series and configurations', () => {
  it('equals the batch recomputation over the whole series (≤1e-9)', () => {
    fc.assert(
      fc.property(configs, series, (config, candles) => {
        const { init, step } = enricher(config);
        return sameWithin(R.mapAccum(step, init, candles)[1], enrichRef(candles, config));
      }),
      { numRuns: 300 },
    );
  });

  it('continues identically from a state restored from JSON at any point', () => {
    fc.assert(
      fc.property(configs, series, fc.nat(), (config, candles, cut) => {
        const { init, step } = enricher(config);
        const at = cut % (candles.length + 1);
        const [mid] = R.mapAccum(step, init, candles.slice(0, at));
        const restored = JSON.parse(JSON.stringify(mid)) as number[];
        assert.deepStrictEqual(
          R.mapAccum(step, restored, candles.slice(at)),
          R.mapAccum(step, mid, candles.slice(at)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('emits only finite numbers', () => {
    fc.assert(
      fc.property(configs, series, (config, candles) => {
        const { init, step } = enricher(config);
        return R.mapAccum(step, init, candles)[1].every((row) => Object.values(row).every(Number.isFinite));
      }),
      { numRuns: 200 },
    );
  });
});
