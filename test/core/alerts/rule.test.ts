import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CryptoStreamSpec } from '../../../src/api/v1alpha1/cryptostream.ts';
import {
  alertLookback,
  alertRules,
  alertSources,
  rulesOf,
  type AlertSpec,
} from '../../../src/core/alerts/index.ts';
import { defaultIndicatorConfig } from '../../../src/core/indicators/index.ts';
import { rules } from './support.ts';

const spec = (...alerts: AlertSpec[]) => ({
  alerts,
  intervals: ['15m', '1h'] as const,
  indicators: defaultIndicatorConfig,
});

describe('alert rules from the spec', () => {
  it('takes spec.alerts as the API types them', () => {
    const alerts: CryptoStreamSpec['alerts'] = [
      { name: 'btc-high', symbol: 'BTCUSDC', field: 'close', above: 63000 },
      { name: 'btc-rsi', symbol: 'BTCUSDC', interval: '1h', field: 'rsi', above: 70, below: 30 },
      { name: 'btc-vol', symbol: 'BTCUSDC', field: 'volatility', above: 0.01 },
      { name: 'btc-volume', symbol: 'BTCUSDC', field: 'volume', above: 1500 },
    ];
    const r = alertRules({ alerts, intervals: ['15m', '1h'], indicators: defaultIndicatorConfig });
    assert.ok(r.ok);
    assert.deepEqual(r.value, [
      {
        name: 'btc-high',
        symbol: 'BTCUSDC',
        interval: '15m',
        kind: 'close',
        source: 'close',
        window: 0,
        above: 63000,
      },
      {
        name: 'btc-rsi',
        symbol: 'BTCUSDC',
        interval: '1h',
        kind: 'rsi',
        source: 'rsi_14',
        window: 0,
        above: 70,
        below: 30,
      },
      {
        name: 'btc-vol',
        symbol: 'BTCUSDC',
        interval: '15m',
        kind: 'volatility',
        source: 'volatility_20',
        window: 0,
        above: 0.01,
      },
      {
        name: 'btc-volume',
        symbol: 'BTCUSDC',
        interval: '15m',
        kind: 'volume',
        source: 'volume',
        window: 0,
        above: 1500,
      },
    ]);
  });

  it('names the indicator fields after the configured periods', () => {
    const r = alertRules({
      alerts: [{ name: 'r', symbol: 'X', field: 'rsi', below: 20 }],
      intervals: ['1m'],
      indicators: { rsi: 7, volatility: 50 },
    });
    assert.ok(r.ok);
    assert.equal(r.value[0]!.source, 'rsi_7');
  });

  it('reads change over a window of closes', () => {
    const [r] = rules({ name: 'c', symbol: 'BTCUSDC', field: 'change', window: 4, above: 1, below: -1 });
    assert.equal(r!.kind, 'change');
    assert.equal(r!.source, 'close');
    assert.equal(r!.window, 4);
  });

  for (const [why, alerts, message] of [
    ['no threshold', [{ name: 'a', symbol: 'X', field: 'close' }], 'needs a threshold'],
    [
      'below not under above',
      [{ name: 'a', symbol: 'X', field: 'close', above: 1, below: 1 }],
      'below must be lower',
    ],
    ['a NaN threshold', [{ name: 'a', symbol: 'X', field: 'close', above: Number.NaN }], 'finite'],
    [
      'a duplicate name',
      [
        { name: 'a', symbol: 'X', field: 'close', above: 1 },
        { name: 'a', symbol: 'Y', field: 'close', above: 1 },
      ],
      'twice',
    ],
    ['a change without window', [{ name: 'a', symbol: 'X', field: 'change', above: 1 }], 'needs a window'],
    [
      'a change window of 0',
      [{ name: 'a', symbol: 'X', field: 'change', window: 0, above: 1 }],
      'needs a window',
    ],
    [
      'a window on a price alert',
      [{ name: 'a', symbol: 'X', field: 'close', window: 3, above: 1 }],
      'change alerts only',
    ],
    ['an unknown field', [{ name: 'a', symbol: 'X', field: 'open' as 'close', above: 1 }], 'unknown field'],
  ] as const) {
    it(`refuses ${why}`, () => {
      const r = alertRules(spec(...(alerts as readonly AlertSpec[])));
      assert.ok(!r.ok);
      assert.match(r.error, new RegExp(message));
    });
  }

  it('refuses an alert without interval in a stream without intervals', () => {
    const r = alertRules({ ...spec({ name: 'a', symbol: 'X', field: 'close', above: 1 }), intervals: [] });
    assert.ok(!r.ok);
  });

  it("selects a market's rules, the candles that rebuild their state and the fields they read", () => {
    const all = rules(
      { name: 'a', symbol: 'BTCUSDC', field: 'close', above: 1 },
      { name: 'b', symbol: 'BTCUSDC', field: 'change', window: 6, above: 1 },
      { name: 'c', symbol: 'BTCUSDC', field: 'rsi', interval: '1h', above: 70 },
      { name: 'd', symbol: 'ETHUSDC', field: 'change', window: 50, above: 1 },
    );
    const btc15m = rulesOf(all, { symbol: 'BTCUSDC', interval: '15m' });
    assert.deepEqual(
      btc15m.map((r) => r.name),
      ['a', 'b'],
    );
    assert.equal(alertLookback(btc15m), 7);
    assert.equal(alertLookback(rulesOf(all, { symbol: 'BTCUSDC', interval: '1h' })), 1);
    assert.equal(alertLookback([]), 0);
    assert.deepEqual(alertSources(all), ['close', 'rsi_14']);
  });
});
