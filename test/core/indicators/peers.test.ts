/**
 * Cross-checks against other implementations where their conventions match ours, and the documented
 * differences where they do not (docs/indicators.md): TA-Lib (talib-web 0.1.3, WebAssembly),
 * trading-signals 8.3.0 and technicalindicators 3.1.0, on every real candle file.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as R from 'ramda';
import * as ti from 'technicalindicators';
import * as ts from 'trading-signals';
import { defaultIndicatorConfig, enricher, type Indicators } from '../../../src/core/indicators/index.ts';
import { aCandle, readCandles, restFiles } from './candles.ts';
import { close } from './reference.ts';
import { loadTalib, talib } from './talib.ts';

type Series = readonly (number | undefined | null)[];

const markets = restFiles().map((file) => {
  const candles = readCandles(file);
  const bars = candles.map((c) => ({ high: Number(c.high), low: Number(c.low), close: Number(c.close) }));
  const rows = R.mapAccum(
    enricher(defaultIndicatorConfig).step,
    enricher(defaultIndicatorConfig).init,
    candles,
  )[1];
  return { file, bars, closes: bars.map((b) => b.close), rows };
});
const column = (rows: readonly Indicators[], field: string): Series => rows.map((r) => r[field]);

/** Largest relative difference where both have a value, from index `from`; NaN if warm-ups differ. */
const deviation = (ours: Series, theirs: Series, from = 0): number => {
  const present = (x: number | undefined | null) => x !== undefined && x !== null;
  if (ours.findIndex(present) !== theirs.findIndex(present)) return NaN;
  let max = 0;
  for (let i = from; i < ours.length; i++) {
    const o = ours[i];
    const t = theirs[i];
    if (present(o) && present(t)) max = Math.max(max, Math.abs(o! - t!) / Math.max(1, Math.abs(o!)));
  }
  return max;
};

/** Runs a streaming indicator over inputs: null/undefined while it warms up. */
const stream = <I, O>(next: (i: I) => O | null | undefined, inputs: readonly I[]): (O | undefined)[] =>
  inputs.map((i) => next(i) ?? undefined);

describe('TA-Lib (talib-web WebAssembly)', () => {
  before(loadTalib);

  for (const { file, bars, closes, rows } of markets) {
    const H = bars.map((b) => b.high);
    const L = bars.map((b) => b.low);
    it(`gives bit-identical EMA, RSI, ATR and ADX on ${file}`, () => {
      assert.deepEqual(talib('EMA', [closes], [12])[0], column(rows, 'ema_12'));
      assert.deepEqual(talib('RSI', [closes], [14])[0], column(rows, 'rsi_14'));
      assert.deepEqual(talib('ATR', [H, L, closes], [14])[0], column(rows, 'atr_14'));
      assert.deepEqual(talib('ADX', [H, L, closes], [14])[0], column(rows, 'adx_14'));
    });
    it(`agrees on SMA and Bollinger bands within 1e-11 on ${file}`, () => {
      const [upper, middle, lower] = talib('BBANDS', [closes], [20, 2, 2, 0], 3);
      assert.ok(deviation(column(rows, 'sma_7'), talib('SMA', [closes], [7])[0]!) <= 1e-11);
      assert.ok(deviation(column(rows, 'sma_21'), talib('SMA', [closes], [21])[0]!) <= 1e-11);
      for (const [band, theirs] of [
        ['bb_upper', upper],
        ['bb_middle', middle],
        ['bb_lower', lower],
      ] as const)
        assert.ok(deviation(column(rows, band), theirs!) <= 1e-11, band);
    });
    it(`starts its MACD at the signal line, then agrees within 1e-9 after 200 candles, on ${file}`, () => {
      const [line, signal, hist] = talib('MACD', [closes], [12, 26, 9], 3);
      assert.equal(
        line!.findIndex((x) => x !== undefined),
        33,
      );
      for (const [field, theirs] of [
        ['macd', line],
        ['macd_signal', signal],
        ['macd_hist', hist],
      ] as const)
        assert.ok(
          column(rows, field).every((x, i) => i < 200 || close(x!, theirs![i]!)),
          field,
        );
    });
  }

  it('loses the digits of a BTC-size price with a tiny spread that ours keeps (running Σx²)', () => {
    // closes alternate 100000 and 100000.00000002: population std is exactly 1e-8
    const closes = R.range(0, 40).map((i) => (i % 2 === 0 ? 100000 : 100000.00000002));
    const width = R.mapAccum(
      enricher(defaultIndicatorConfig).step,
      enricher(defaultIndicatorConfig).init,
      closes.map((c) => aCandle(c)),
    )[1].map((r) => (r['bb_upper'] === undefined ? undefined : (r['bb_upper'] - r['bb_middle']!) / 2));
    const theirs = talib('STDDEV', [closes], [20, 1])[0]!;
    assert.ok(width.slice(19).every((w) => Math.abs(w! - 1e-8) < 1e-10));
    assert.ok(theirs.slice(19).some((s) => Math.abs(s! - 1e-8) > 1e-9));
  });

  it('gives RSI 0 on a flat series, as ours', () => {
    assert.equal(talib('RSI', [R.repeat(100, 30)], [14])[0]!.at(-1), 0);
  });
});

describe('trading-signals 8.3.0', () => {
  for (const { file, bars, closes, rows } of markets) {
    it(`agrees on SMA, RSI and Bollinger bands within 1e-9 on ${file}`, () => {
      const sma = new ts.SMA(7);
      const rsi = new ts.RSI(14);
      const bb = new ts.BollingerBands(20, 2);
      assert.ok(
        deviation(
          column(rows, 'sma_7'),
          stream((x) => sma.add(x), closes),
        ) <= 1e-9,
      );
      assert.ok(
        deviation(
          column(rows, 'rsi_14'),
          stream((x) => rsi.add(x), closes),
        ) <= 1e-9,
      );
      const bands = stream((x) => bb.add(x), closes);
      assert.ok(
        deviation(
          column(rows, 'bb_upper'),
          bands.map((b) => b?.upper),
        ) <= 1e-9,
      );
      assert.ok(
        deviation(
          column(rows, 'bb_lower'),
          bands.map((b) => b?.lower),
        ) <= 1e-9,
      );
    });
    it(`seeds EMA with the first close (a value from the 1st close), converging within 1e-9 after 200, on ${file}`, () => {
      const ema = new ts.EMA(12);
      const theirs = stream((x) => ema.add(x), closes);
      assert.equal(theirs[0], closes[0]);
      assert.ok(column(rows, 'ema_12').every((x, i) => i < 200 || close(x!, theirs[i]!)));
    });
    it(`counts the first candle's range in ATR (a value one candle earlier) on ${file}`, () => {
      const atr = new ts.ATR(14);
      const theirs = stream((b) => atr.add(b), bars);
      assert.equal(
        theirs.findIndex((x) => x !== undefined),
        13,
      );
      assert.ok(column(rows, 'atr_14').every((x, i) => i < 400 || close(x!, theirs[i]!, 1e-6)));
    });
    it(`starts ADX one candle earlier, with other values, on ${file}`, () => {
      const adx = new ts.ADX(14);
      const theirs = stream((b) => adx.add(b), bars);
      assert.equal(
        theirs.findIndex((x) => x !== undefined),
        26,
      );
      assert.notDeepEqual(theirs.slice(27), column(rows, 'adx_14').slice(27));
    });
  }

  it('gives RSI 100 on a flat series where ours (and TA-Lib) give 0', () => {
    const rsi = new ts.RSI(14);
    assert.equal(stream((x: number) => rsi.add(x), R.repeat(100, 30)).at(-1), 100);
  });
});

describe('technicalindicators 3.1.0', () => {
  for (const { file, bars, closes, rows } of markets) {
    it(`agrees on SMA, EMA, MACD, ATR and Bollinger bands within 1e-9 on ${file}`, () => {
      const sma = new ti.SMA({ period: 7, values: [] });
      const ema = new ti.EMA({ period: 12, values: [] });
      const atr = new ti.ATR({ period: 14, high: [], low: [], close: [] });
      const bb = new ti.BollingerBands({ period: 20, stdDev: 2, values: [] });
      const macd = new ti.MACD({
        values: [],
        fastPeriod: 12,
        slowPeriod: 26,
        signalPeriod: 9,
        SimpleMAOscillator: false,
        SimpleMASignal: false,
      });
      assert.ok(
        deviation(
          column(rows, 'sma_7'),
          stream((x) => sma.nextValue(x), closes),
        ) <= 1e-9,
      );
      assert.ok(
        deviation(
          column(rows, 'ema_12'),
          stream((x) => ema.nextValue(x), closes),
        ) <= 1e-9,
      );
      assert.ok(
        deviation(
          column(rows, 'atr_14'),
          stream((b) => atr.nextValue(b), bars),
        ) <= 1e-9,
      );
      const bands = stream((x) => bb.nextValue(x), closes);
      assert.ok(
        deviation(
          column(rows, 'bb_upper'),
          bands.map((b) => b?.upper),
        ) <= 1e-9,
      );
      const m = stream((x) => macd.nextValue(x), closes);
      assert.ok(
        deviation(
          column(rows, 'macd'),
          m.map((x) => x?.MACD),
        ) <= 1e-9,
      );
      assert.ok(
        deviation(
          column(rows, 'macd_signal'),
          m.map((x) => x?.signal),
        ) <= 1e-9,
      );
    });
    it(`rounds RSI to 2 decimals on ${file}`, () => {
      const rsi = new ti.RSI({ period: 14, values: [] });
      const theirs = stream((x) => rsi.nextValue(x), closes);
      assert.ok(
        column(rows, 'rsi_14').every((x, i) => x == null || Math.abs(x - theirs[i]!) <= 0.005 + 1e-9),
      );
    });
    it(`smooths ADX differently during warm-up, converging within 1e-4 after 200 candles, on ${file}`, () => {
      const adx = new ti.ADX({ period: 14, high: [], low: [], close: [] });
      const next = adx.nextValue.bind(adx) as unknown as (
        b: (typeof bars)[number],
      ) => { adx?: number } | undefined;
      const theirs = stream((b) => next(b)?.adx, bars);
      assert.ok(column(rows, 'adx_14').every((x, i) => i < 200 || close(x!, theirs[i]!, 1e-4)));
    });
  }

  it('gives RSI 100 on a flat series where ours (and TA-Lib) give 0', () => {
    assert.equal(new ti.RSI({ period: 14, values: R.repeat(100, 30) }).getResult().at(-1), 100);
  });
});
