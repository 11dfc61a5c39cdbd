import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as R from 'ramda';
import {
  defaultIndicatorConfig,
  enricher,
  indicatorFields,
  type IndicatorConfig,
  type Indicators,
} from '../../../src/core/indicators/index.ts';
import type { Candle } from '../../../src/core/kline/candle.ts';
import { aCandle, readCandles, restFiles } from './candles.ts';
import { close, enrichRef } from './reference.ts';

const run = (config: IndicatorConfig, candles: readonly Candle[]): Indicators[] => {
  const { init, step } = enricher(config);
  return R.mapAccum(step, init, candles as Candle[])[1];
};

/** The first difference between two runs, described; undefined when they agree within tolerance. */
const firstMismatch = (
  actual: readonly Indicators[],
  expected: readonly Indicators[],
): string | undefined => {
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Object.keys(a).join() !== Object.keys(e).join())
      return `candle ${i}: fields ${Object.keys(a).join()} ≠ ${Object.keys(e).join()}`;
    for (const k of Object.keys(e))
      if (!close(a[k]!, e[k]!)) return `candle ${i}: ${k} = ${a[k]} ≠ reference ${e[k]}`;
  }
  return undefined;
};

const firstIndex = (rows: readonly Indicators[], field: string): number => rows.findIndex((r) => field in r);

describe('enricher on the real Binance candles', () => {
  for (const file of restFiles()) {
    it(`matches the batch reference (≤1e-9) for every indicator on ${file}`, () => {
      const candles = readCandles(file);
      assert.equal(
        firstMismatch(run(defaultIndicatorConfig, candles), enrichRef(candles, defaultIndicatorConfig)),
        undefined,
      );
    });
  }

  it('matches the reference with non-default periods too', () => {
    const config: IndicatorConfig = {
      sma: [3, 50, 200],
      ema: [5, 50],
      rsi: 7,
      macd: { fast: 5, slow: 35, signal: 5 },
      bollinger: { period: 10, stdDev: 1.5 },
      atr: 5,
      adx: 9,
      volatility: 60,
    };
    const candles = readCandles('BTCUSDT/1d/BTCUSDT-1d-2024-01-01_2025-12-31.json');
    assert.equal(firstMismatch(run(config, candles), enrichRef(candles, config)), undefined);
  });
});

describe('advance: step on a state the caller owns', () => {
  it('leaves in the vector the state step returns, and returns the same values, candle after candle', () => {
    const e = enricher(defaultIndicatorConfig);
    const candles = readCandles(restFiles()[0]!);
    const v = e.init.slice();
    let state = e.init;
    for (const c of candles) {
      const [next, values] = e.step(state, c);
      assert.deepEqual(e.advance(v, c), values);
      assert.deepEqual(v, next);
      state = next;
    }
    assert.deepEqual(e.init, enricher(defaultIndicatorConfig).init, 'init untouched');
  });
});

describe('warm-up: a value is absent until its indicator has enough data', () => {
  const rows = run(defaultIndicatorConfig, readCandles('BTCUSDT/1h/BTCUSDT-1h-2024-09.json'));
  // candle index (0-based) of the first value, as documented in docs/indicators.md
  const expected: Record<string, number> = {
    sma_7: 6,
    sma_21: 20,
    ema_12: 11,
    rsi_14: 14,
    macd: 25,
    macd_signal: 33,
    macd_hist: 33,
    bb_upper: 19,
    bb_middle: 19,
    bb_lower: 19,
    atr_14: 14,
    adx_14: 27,
    log_return: 1,
    volatility_20: 20,
  };

  it('names exactly the default fields', () => {
    assert.deepEqual(indicatorFields(defaultIndicatorConfig), Object.keys(expected));
  });
  for (const [field, index] of Object.entries(expected)) {
    it(`${field} first appears at candle ${index} and stays`, () => {
      assert.equal(firstIndex(rows, field), index);
      assert.ok(rows.slice(index).every((r) => field in r));
    });
  }
  it('never writes NaN, null or infinities', () => {
    assert.ok(rows.every((r) => Object.values(r).every((v) => Number.isFinite(v))));
  });
  it('derives field names from the configured periods', () => {
    const config = {
      ...defaultIndicatorConfig,
      sma: [5],
      ema: [9, 30],
      rsi: 6,
      atr: 10,
      adx: 20,
      volatility: 30,
    };
    const last = run(config, readCandles('BTCUSDT/1h/BTCUSDT-1h-2024-09.json')).at(-1)!;
    assert.deepEqual(Object.keys(last), [
      'sma_5',
      'ema_9',
      'ema_30',
      'rsi_6',
      'macd',
      'macd_signal',
      'macd_hist',
      'bb_upper',
      'bb_middle',
      'bb_lower',
      'atr_10',
      'adx_20',
      'log_return',
      'volatility_30',
    ]);
  });
});

describe('a constant series', () => {
  const rows = run(defaultIndicatorConfig, R.repeat(aCandle(63012.5), 60));
  const last = rows.at(-1)!;

  it('has RSI 0 when average gain and loss are both 0', () => assert.equal(last['rsi_14'], 0));
  it('has Bollinger bands of zero width around the price', () => {
    assert.deepEqual([last['bb_upper'], last['bb_middle'], last['bb_lower']], [63012.5, 63012.5, 63012.5]);
  });
  it('has zero volatility, log return, ATR, MACD and ADX', () => {
    for (const f of ['volatility_20', 'log_return', 'atr_14', 'macd', 'macd_signal', 'macd_hist', 'adx_14'])
      assert.equal(last[f], 0, f);
  });
  it('has moving averages equal to the price', () => {
    assert.deepEqual([last['sma_7'], last['sma_21'], last['ema_12']], [63012.5, 63012.5, 63012.5]);
  });
  it('has RSI 100 when prices only rise, 0 when they only fall', () => {
    const up = run(
      defaultIndicatorConfig,
      R.range(1, 40).map((p) => aCandle(p)),
    );
    const down = run(
      defaultIndicatorConfig,
      R.range(1, 40)
        .reverse()
        .map((p) => aCandle(p)),
    );
    assert.deepEqual([up.at(-1)!['rsi_14'], down.at(-1)!['rsi_14']], [100, 0]);
  });
});

describe('enricher state', () => {
  const candles = readCandles('ETHUSDT/15m/ETHUSDT-15m-week-2024-09-16.json');
  const { init, step, isState } = enricher(defaultIndicatorConfig);

  it('is left unchanged by a step (states are values)', () => {
    const [s1] = step(init, candles[0]!);
    const copy = [...s1];
    step(s1, candles[1]!);
    assert.deepEqual(s1, copy);
  });
  it('survives a JSON round trip mid-stream with an identical continuation', () => {
    const [mid] = R.mapAccum(step, init, candles.slice(0, 300));
    const restored: unknown = JSON.parse(JSON.stringify(mid));
    assert.ok(isState(restored));
    const rest = candles.slice(300);
    assert.deepEqual(R.mapAccum(step, restored, rest), R.mapAccum(step, mid, rest));
  });
  it('recognises states of its own configuration only', () => {
    const other = enricher({ ...defaultIndicatorConfig, sma: [7] });
    assert.equal(isState(init), true);
    assert.equal(other.isState(init), false);
    assert.equal(isState([...init.slice(1), Number.NaN]), false);
    assert.equal(isState('[]'), false);
  });
});
