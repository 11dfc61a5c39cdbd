import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkIndicatorConfig,
  defaultIndicatorConfig,
  type IndicatorConfig,
} from '../../../src/core/indicators/index.ts';

const withChange = (change: Partial<IndicatorConfig>): IndicatorConfig => ({
  ...defaultIndicatorConfig,
  ...change,
});
const problem = (c: IndicatorConfig): string | undefined => {
  const r = checkIndicatorConfig(c);
  return r.ok ? undefined : r.error;
};

describe('checkIndicatorConfig', () => {
  it('accepts the defaults', () => assert.equal(problem(defaultIndicatorConfig), undefined));
  it('rejects periods below 2, above 1000 or fractional', () => {
    assert.match(problem(withChange({ rsi: 1 }))!, /^rsi must be an integer from 2 to 1000/);
    assert.match(problem(withChange({ sma: [7, 1001] }))!, /^sma\[1\] must be/);
    assert.match(problem(withChange({ volatility: 2.5 }))!, /^volatility must be/);
  });
  it('rejects repeated SMA or EMA periods', () => {
    assert.equal(problem(withChange({ sma: [7, 7] })), 'sma periods must be unique');
    assert.equal(problem(withChange({ ema: [12, 12] })), 'ema periods must be unique');
  });
  it('rejects a fast MACD period not shorter than the slow one', () => {
    assert.equal(
      problem(withChange({ macd: { fast: 26, slow: 26, signal: 9 } })),
      'macd.fast must be shorter than macd.slow',
    );
  });
  it('rejects a non-positive Bollinger width', () => {
    assert.match(problem(withChange({ bollinger: { period: 20, stdDev: 0 } }))!, /^bollinger.stdDev/);
  });
  it('accepts empty SMA and EMA lists', () =>
    assert.equal(problem(withChange({ sma: [], ema: [] })), undefined));
});
