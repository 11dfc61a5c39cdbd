/**
 * One contract for every stand-alone indicator reducer: it warms up for exactly the documented number
 * of inputs, never changes a state it was given, survives a JSON round trip of its state, and agrees
 * with the enricher's field of the same name.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as R from 'ramda';
import {
  adx,
  atr,
  bollinger,
  defaultIndicatorConfig,
  ema,
  enricher,
  logReturn,
  macd,
  rsi,
  sma,
  volatility,
  type Bar,
  type Reducer,
} from '../../src/core/indicators/index.ts';
import { readCandles } from '../core/indicators/candles.ts';

const candles = readCandles('SOLUSDT/1h/SOLUSDT-1h-2024-09.json');
const bars: Bar[] = candles.map((c) => ({
  high: Number(c.high),
  low: Number(c.low),
  close: Number(c.close),
}));
const closes = bars.map((b) => b.close);
const logReturns = closes.slice(1).map((c, i) => Math.log(c / closes[i]!));
const enriched = R.mapAccum(
  enricher(defaultIndicatorConfig).step,
  enricher(defaultIndicatorConfig).init,
  candles,
)[1];

type Case<I, O> = {
  name: string;
  reducer: Reducer<readonly number[], I, O>;
  inputs: readonly I[];
  /** index of the first input with a value */
  warmUp: number;
  /** the enricher's field(s) for this output; `offset` aligns inputs with candles */
  fields: (o: O) => Record<string, number>;
  offset?: number;
};

const contract = <I, O>(c: Case<I, O>) =>
  describe(`${c.name} as a reducer`, () => {
    const [, outputs] = R.mapAccum(c.reducer.step, c.reducer.init, [...c.inputs]);

    it(`has no value before input ${c.warmUp} and one from there on`, () => {
      assert.equal(
        outputs.findIndex((o) => o !== undefined),
        c.warmUp,
      );
      assert.ok(outputs.slice(c.warmUp).every((o) => o !== undefined));
    });
    it('leaves the state it steps from unchanged', () => {
      const states = R.scan((s: readonly number[], i: I) => c.reducer.step(s, i)[0], c.reducer.init, [
        ...c.inputs,
      ]);
      const frozen = states.map((s) => [...s]);
      R.mapAccum(c.reducer.step, states[40]!, [...c.inputs]);
      assert.deepEqual(states, frozen);
    });
    it('continues identically from its state after a JSON round trip', () => {
      const [mid] = R.mapAccum(c.reducer.step, c.reducer.init, c.inputs.slice(0, 50));
      const restored = JSON.parse(JSON.stringify(mid)) as number[];
      assert.deepStrictEqual(
        R.mapAccum(c.reducer.step, restored, c.inputs.slice(50)),
        R.mapAccum(c.reducer.step, mid, c.inputs.slice(50)),
      );
    });
    it("gives the enricher's values", () => {
      outputs.forEach((o, i) => {
        const row = enriched[i + (c.offset ?? 0)]!;
        if (o === undefined) return;
        for (const [k, v] of Object.entries(c.fields(o))) assert.equal(row[k], v, `${k} at ${i}`);
      });
    });
  });

contract({ name: 'sma(7)', reducer: sma(7), inputs: closes, warmUp: 6, fields: (v) => ({ sma_7: v }) });
contract({ name: 'sma(21)', reducer: sma(21), inputs: closes, warmUp: 20, fields: (v) => ({ sma_21: v }) });
contract({ name: 'ema(12)', reducer: ema(12), inputs: closes, warmUp: 11, fields: (v) => ({ ema_12: v }) });
contract({ name: 'rsi(14)', reducer: rsi(14), inputs: closes, warmUp: 14, fields: (v) => ({ rsi_14: v }) });
contract({
  name: 'macd(12, 26, 9)',
  reducer: macd(12, 26, 9),
  inputs: closes,
  warmUp: 25,
  fields: (v) =>
    v.signal === undefined ? { macd: v.macd } : { macd: v.macd, macd_signal: v.signal, macd_hist: v.hist },
});
contract({
  name: 'bollinger(20, 2)',
  reducer: bollinger(20, 2),
  inputs: closes,
  warmUp: 19,
  fields: (v) => ({ bb_upper: v.upper, bb_middle: v.middle, bb_lower: v.lower }),
});
contract({ name: 'atr(14)', reducer: atr(14), inputs: bars, warmUp: 14, fields: (v) => ({ atr_14: v }) });
contract({ name: 'adx(14)', reducer: adx(14), inputs: bars, warmUp: 27, fields: (v) => ({ adx_14: v }) });
contract({
  name: 'logReturn',
  reducer: logReturn,
  inputs: closes,
  warmUp: 1,
  fields: (v) => ({ log_return: v }),
});
contract({
  name: 'volatility(20) of log returns',
  reducer: volatility(20),
  inputs: logReturns,
  warmUp: 19,
  offset: 1,
  fields: (v) => ({ volatility_20: v }),
});
