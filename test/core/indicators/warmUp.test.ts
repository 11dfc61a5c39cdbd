import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultIndicatorConfig,
  enricher,
  firstValueAt,
  indicatorFields,
  warmUpCandles,
  type IndicatorConfig,
} from '../../../src/core/indicators/index.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';

const candles = fifteenMinuteWeek('BTCUSDC');

/** The index of the first candle carrying each field, as the enricher computes it. */
const observed = (config: IndicatorConfig): Record<string, number> => {
  const e = enricher(config);
  let state = e.init;
  const first: Record<string, number> = {};
  for (const [t, c] of candles.entries()) {
    const [next, values] = e.step(state, c);
    state = next;
    for (const f of Object.keys(values)) first[f] ??= t;
  }
  return first;
};

const configs: [string, IndicatorConfig][] = [
  ['the defaults', defaultIndicatorConfig],
  [
    'long periods',
    {
      sma: [50, 200],
      ema: [9, 100],
      rsi: 30,
      macd: { fast: 20, slow: 60, signal: 15 },
      bollinger: { period: 40, stdDev: 2.5 },
      atr: 40,
      adx: 50,
      volatility: 90,
    },
  ],
  [
    'short periods',
    {
      sma: [2],
      ema: [2],
      rsi: 2,
      macd: { fast: 2, slow: 3, signal: 2 },
      bollinger: { period: 2, stdDev: 1 },
      atr: 2,
      adx: 2,
      volatility: 2,
    },
  ],
];

describe('indicator warm-up', () => {
  for (const [name, config] of configs)
    it(`names the first candle of every field as the enricher computes it (${name})`, () => {
      const expected = firstValueAt(config);
      assert.deepEqual(Object.keys(expected).sort(), [...indicatorFields(config)].sort());
      assert.deepEqual(observed(config), expected);
    });

  it('needs the longest warm-up: 34 candles with the defaults (macd_signal), 100 with adx 50', () => {
    assert.equal(warmUpCandles(defaultIndicatorConfig), 34);
    assert.equal(warmUpCandles({ ...defaultIndicatorConfig, adx: 50 }), 100);
    assert.equal(warmUpCandles(configs[1]![1]), 200);
  });
});
