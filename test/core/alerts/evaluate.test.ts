import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  alertLookback,
  evaluateAlerts,
  evaluateAll,
  initialAlertState,
  isAlertState,
  restoreAlertState,
  stateKey,
  type Alert,
  type AlertRule,
  type EnrichedCandle,
} from '../../../src/core/alerts/index.ts';
import { candle, closes, rules, T0 } from './support.ts';

/** The open-time indices (of `candle(i)`) and directions of the alerts a series fires. */
const fired = (rs: readonly AlertRule[], series: readonly EnrichedCandle[]): string[] =>
  evaluateAll(rs, initialAlertState, series).alerts.map(
    (a) => `${a.rule}@${(a.openTime - T0) / 900_000}:${a.direction}`,
  );

describe('evaluateAlerts: once per crossing', () => {
  const priceUp = rules({ name: 'up', symbol: 'BTCUSDC', field: 'close', above: 100 });

  it('fires when the close rises above the threshold, once, and re-arms when it is back at or under it', () => {
    //                                 0   1    2    3    4    5    6   7    8
    assert.deepEqual(fired(priceUp, closes(99, 101, 102, 103, 100, 100.5, 99, 150, 151)), [
      'up@1:above',
      'up@5:above',
      'up@7:above',
    ]);
  });

  it('is strict: a value equal to the threshold does not hold', () => {
    assert.deepEqual(fired(priceUp, closes(100, 100, 100)), []);
  });

  it('fires on the first candle when it is already beyond the threshold (no previous candle: no condition)', () => {
    assert.deepEqual(fired(priceUp, closes(101, 102)), ['up@0:above']);
  });

  it('fires when the close falls below', () => {
    const down = rules({ name: 'down', symbol: 'BTCUSDC', field: 'close', below: 50 });
    assert.deepEqual(fired(down, closes(60, 49, 48, 50, 49.99)), ['down@1:below', 'down@4:below']);
  });

  it('with both thresholds fires each crossing, a jump from above to below included', () => {
    const band = rules({ name: 'band', symbol: 'BTCUSDC', field: 'close', above: 110, below: 90 });
    assert.deepEqual(fired(band, closes(100, 111, 112, 80, 85, 100, 120)), [
      'band@1:above',
      'band@3:below',
      'band@6:above',
    ]);
  });

  it('volume above', () => {
    const vol = rules({ name: 'vol', symbol: 'BTCUSDC', field: 'volume', above: 1000 });
    const series = [10, 2000, 3000, 10, 1001].map((volume, i) => candle(i, { volume }));
    assert.deepEqual(fired(vol, series), ['vol@1:above', 'vol@4:above']);
  });

  it('RSI above and below read the configured rsi field; no value while it warms up holds no condition', () => {
    const rsi = rules({ name: 'rsi', symbol: 'BTCUSDC', field: 'rsi', above: 70, below: 30 });
    const series = [undefined, undefined, 75, 80, 50, 25, 20, 71].map((v, i) =>
      candle(i, { indicators: v === undefined ? { sma_7: 1 } : { rsi_14: v, sma_7: 1 } }),
    );
    assert.deepEqual(fired(rsi, series), ['rsi@2:above', 'rsi@5:below', 'rsi@7:above']);
  });

  it('volatility above reads the configured volatility field', () => {
    const v = rules({ name: 'v', symbol: 'BTCUSDC', field: 'volatility', above: 0.01 });
    const series = [0.005, 0.02, 0.03, 0.001, 0.011].map((x, i) =>
      candle(i, { indicators: { volatility_20: x } }),
    );
    assert.deepEqual(fired(v, series), ['v@1:above', 'v@4:above']);
  });

  it('change over a window: percent of the close `window` candles before, nothing until the window is full', () => {
    const change = rules({ name: 'chg', symbol: 'BTCUSDC', field: 'change', window: 2, above: 5, below: -5 });
    //                                      0    1    2 (+6%)  3 (+5.66%) 4 (0%) 5 (-10%) 6 (-10.4%) 7 (+8.1%)
    const { alerts, state } = evaluateAll(
      change,
      initialAlertState,
      closes(100, 200, 106, 211.3, 106, 190.17, 95, 205.58),
    );
    assert.deepEqual(
      alerts.map((a) => [(a.openTime - T0) / 900_000, a.direction]),
      [
        [2, 'above'],
        [5, 'below'],
        [7, 'above'],
      ],
    );
    assert.ok(Math.abs(alerts[0]!.value - 6) < 1e-9);
    assert.equal(alerts[0]!.previous, null);
    assert.equal(alerts[0]!.window, 2);
    // The state keeps only the closes of the window.
    assert.deepEqual(state[stateKey(change[0]!)]!.closes, [95, 205.58]);
  });

  it('a window of 1 is the change from the previous close', () => {
    const change = rules({ name: 'chg', symbol: 'BTCUSDC', field: 'change', window: 1, below: -1 });
    assert.deepEqual(fired(change, closes(100, 98, 97, 97, 90)), ['chg@1:below', 'chg@4:below']);
  });

  it('builds the alert value', () => {
    const band = rules({ name: 'band', symbol: 'BTCUSDC', field: 'close', above: 110, below: 90 });
    const { alerts } = evaluateAll(band, initialAlertState, closes(100, 111.25));
    const expected: Alert = {
      id: `band:BTCUSDC:15m:${T0 + 900_000}`,
      rule: 'band',
      kind: 'close',
      direction: 'above',
      symbol: 'BTCUSDC',
      interval: '15m',
      openTime: T0 + 900_000,
      closeTime: T0 + 2 * 900_000 - 1,
      value: 111.25,
      threshold: 110,
      previous: 100,
    };
    assert.deepEqual(alerts, [expected]);
  });
});

describe('evaluateAlerts: markets, replays and state', () => {
  const rs = rules(
    { name: 'btc', symbol: 'BTCUSDC', field: 'close', above: 100 },
    { name: 'btc-1h', symbol: 'BTCUSDC', interval: '1h', field: 'close', above: 100 },
    { name: 'eth', symbol: 'ETHUSDC', field: 'close', above: 100 },
  );

  it("only the candle's market's rules take part; others' state is passed on, the same object when none do", () => {
    const after = evaluateAlerts(rs, initialAlertState, candle(0, { close: 150 }));
    assert.deepEqual(
      after.alerts.map((a) => a.rule),
      ['btc'],
    );
    assert.deepEqual(Object.keys(after.state), ['btc:BTCUSDC:15m']);
    const eth = evaluateAlerts(rs, after.state, candle(0, { close: 150, symbol: 'ETHUSDC' }));
    assert.deepEqual(
      eth.alerts.map((a) => a.rule),
      ['eth'],
    );
    assert.equal(eth.state['btc:BTCUSDC:15m'], after.state['btc:BTCUSDC:15m']);
    const none = evaluateAlerts(rs, eth.state, candle(0, { symbol: 'SOLUSDC' }));
    assert.equal(none.state, eth.state);
  });

  it('ignores a candle at or before the last one evaluated (a redelivery): nothing fires, nothing changes', () => {
    const s1 = evaluateAlerts(rs, initialAlertState, candle(0, { close: 90 })).state;
    const s2 = evaluateAlerts(rs, s1, candle(1, { close: 150 }));
    assert.equal(s2.alerts.length, 1);
    for (const again of [candle(1, { close: 150 }), candle(0, { close: 90 }), candle(1, { close: 50 })]) {
      const r = evaluateAlerts(rs, s2.state, again);
      assert.deepEqual(r.alerts, []);
      assert.equal(r.state, s2.state);
    }
  });

  it('treats the last evaluated candle as the previous one across a gap', () => {
    assert.deepEqual(
      evaluateAll(rs, initialAlertState, [candle(0, { close: 150 }), candle(5, { close: 160 })]).alerts
        .length,
      1,
    );
  });

  it('a threshold changed between two candles is applied to both (the state keeps values, not conditions)', () => {
    const before = rules({ name: 'p', symbol: 'BTCUSDC', field: 'close', above: 200 });
    const after = rules({ name: 'p', symbol: 'BTCUSDC', field: 'close', above: 100 });
    const s = evaluateAll(before, initialAlertState, closes(150)).state;
    // 150 was already above the new threshold: 160 is no crossing under it.
    assert.deepEqual(evaluateAlerts(after, s, candle(1, { close: 160 })).alerts, []);
  });

  it('is a small JSON value: a state read back from JSON evaluates the same', () => {
    const change = rules({ name: 'chg', symbol: 'BTCUSDC', field: 'change', window: 3, above: 1 });
    const series = closes(100, 101, 100, 99, 103, 104, 100, 102);
    const head = evaluateAll(change, initialAlertState, series.slice(0, 5)).state;
    const json: unknown = JSON.parse(JSON.stringify(head));
    assert.ok(isAlertState(json));
    assert.deepEqual(json, head);
    assert.deepEqual(
      evaluateAll(change, json, series.slice(5)).alerts,
      evaluateAll(change, head, series.slice(5)).alerts,
    );
    assert.ok(!isAlertState({ k: { openTime: 1, value: 'x', closes: [] } }));
    assert.ok(!isAlertState([]));
    assert.ok(!isAlertState(null));
  });

  it('restoreAlertState rebuilds from the newest candles the state of an evaluation from the start', () => {
    const change = rules(
      { name: 'chg', symbol: 'BTCUSDC', field: 'change', window: 3, above: 1 },
      { name: 'p', symbol: 'BTCUSDC', field: 'close', below: 100 },
    );
    const series = closes(100, 101, 100, 99, 103, 104, 100, 102, 98);
    const full = evaluateAll(change, initialAlertState, series).state;
    // window + 1 candles; in any order.
    assert.deepEqual(restoreAlertState(change, series.slice(-4).reverse()), full);
    assert.notDeepEqual(restoreAlertState(change, series.slice(-3)), full);
  });
});

describe('evaluateAlerts: restarts on any series (property)', () => {
  it('a consumer restarted after any candle, from the newest alertLookback candles, fires the same alerts', () => {
    fc.assert(
      fc.property(
        // Small integer closes: many values equal to a threshold, many repeated values.
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 60 }),
        (xs, window, at) => {
          const rs = rules(
            { name: 'p', symbol: 'BTCUSDC', field: 'close', above: 8, below: 4 },
            { name: 'c', symbol: 'BTCUSDC', field: 'change', window, above: 50, below: -50 },
          );
          const series = closes(...xs);
          const k = Math.min(at, series.length);
          const whole = evaluateAll(rs, initialAlertState, series);
          const first = evaluateAll(rs, initialAlertState, series.slice(0, k));
          const restored = restoreAlertState(rs, series.slice(Math.max(0, k - alertLookback(rs)), k));
          assert.deepEqual(restored, first.state);
          const second = evaluateAll(rs, restored, series.slice(k));
          assert.deepEqual([...first.alerts, ...second.alerts], whole.alerts);
          assert.deepEqual(second.state, whole.state);
        },
      ),
      { numRuns: 300 },
    );
  });
});
