import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  alertLookback,
  evaluateAll,
  initialAlertState,
  restoreAlertState,
  type Alert,
  type AlertRule,
  type AlertSpec,
  type EnrichedCandle,
} from '../../../src/core/alerts/index.ts';
import { defaultIndicatorConfig, enricher } from '../../../src/core/indicators/index.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';
import { rules } from './support.ts';

/** The recorded BTC 15m week (672 candles) as the consumer enriches it. */
const week: EnrichedCandle[] = (() => {
  const e = enricher(defaultIndicatorConfig);
  let s = e.init;
  return fifteenMinuteWeek('BTCUSDC').map((c) => {
    const [next, indicators] = e.step(s, c);
    s = next;
    return { ...c, indicators };
  });
})();

/** A candle as read back from its stored enriched point: the float64 fields, as a query returns them. */
const stored = (c: EnrichedCandle): EnrichedCandle => ({
  symbol: c.symbol,
  interval: c.interval,
  openTime: c.openTime,
  close: String(Number(c.close)),
  volume: String(Number(c.volume)),
  indicators: c.indicators,
});

const specs: AlertSpec[] = [
  { name: 'price', symbol: 'BTCUSDC', field: 'close', above: 63000, below: 58500 },
  { name: 'volume', symbol: 'BTCUSDC', field: 'volume', above: 1500 },
  { name: 'rsi', symbol: 'BTCUSDC', field: 'rsi', above: 70, below: 30 },
  { name: 'volatility', symbol: 'BTCUSDC', field: 'volatility', above: 0.004 },
  { name: 'change', symbol: 'BTCUSDC', field: 'change', window: 4, above: 1, below: -1 },
  // Another market's rule: never fires on these candles.
  { name: 'eth', symbol: 'ETHUSDC', field: 'close', above: 0 },
];
const weekRules = rules(...specs);

/**
 * The crossings of a spec over the week, counted without the module: the value of every candle from the
 * candles (the change from the close `window` candles before), then a plain loop for
 * "holds now and did not hold on the candle before".
 */
const expectedCrossings = (a: AlertSpec): string[] => {
  if (a.symbol !== 'BTCUSDC') return [];
  const value = (i: number): number | undefined => {
    const c = week[i]!;
    switch (a.field) {
      case 'close':
        return Number(c.close);
      case 'volume':
        return Number(c.volume);
      case 'rsi':
        return c.indicators['rsi_14'];
      case 'volatility':
        return c.indicators['volatility_20'];
      case 'change': {
        if (i < a.window!) return undefined;
        const base = Number(week[i - a.window!]!.close);
        return (100 * (Number(c.close) - base)) / base;
      }
    }
  };
  const out: string[] = [];
  for (const [direction, holds] of [
    ['above', (v: number | undefined) => a.above !== undefined && v !== undefined && v > a.above],
    ['below', (v: number | undefined) => a.below !== undefined && v !== undefined && v < a.below],
  ] as const)
    for (let i = 0; i < week.length; i++)
      if (holds(value(i)) && !(i > 0 && holds(value(i - 1))))
        out.push(`${a.name}@${week[i]!.openTime}:${direction}`);
  return out;
};

const describeAlerts = (alerts: readonly Alert[]): string[] =>
  alerts.map((a) => `${a.rule}@${a.openTime}:${a.direction}`);

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

const full = evaluateAll(weekRules, initialAlertState, week);

describe('alerts over the recorded BTC 15m week', () => {
  it('has the 672 candles of the week', () => {
    assert.equal(week.length, 672);
  });

  it('fires exactly the crossings a plain loop counts, once each', () => {
    const expected = specs.flatMap(expectedCrossings);
    assert.deepEqual(sorted(describeAlerts(full.alerts)), sorted(expected));
    assert.equal(new Set(full.alerts.map((a) => a.id)).size, full.alerts.length);
  });

  it('crosses each threshold a known number of times', () => {
    const count = (rule: string, direction: string) =>
      full.alerts.filter((a) => a.rule === rule && a.direction === direction).length;
    // Pinned from the recorded data (and equal to the plain loop's counts above).
    assert.deepEqual(
      {
        priceAbove: count('price', 'above'),
        priceBelow: count('price', 'below'),
        volume: count('volume', 'above'),
        rsiAbove: count('rsi', 'above'),
        rsiBelow: count('rsi', 'below'),
        volatility: count('volatility', 'above'),
        changeAbove: count('change', 'above'),
        changeBelow: count('change', 'below'),
        eth: count('eth', 'above'),
      },
      {
        priceAbove: 20,
        priceBelow: 6,
        volume: 5,
        rsiAbove: 10,
        rsiBelow: 5,
        volatility: 2,
        changeAbove: 7,
        changeBelow: 6,
        eth: 0,
      },
    );
  });

  it("carries its candle's value, the threshold it crossed and the previous candle's value", () => {
    for (const a of full.alerts) {
      const i = week.findIndex((x) => x.openTime === a.openTime);
      const spec = specs.find((s) => s.name === a.rule)!;
      assert.equal(a.threshold, a.direction === 'above' ? spec.above : spec.below, a.id);
      if (a.kind === 'close') {
        assert.equal(a.value, Number(week[i]!.close));
        assert.equal(a.previous, i === 0 ? null : Number(week[i - 1]!.close));
      }
      if (a.kind === 'rsi') assert.equal(a.value, week[i]!.indicators['rsi_14']);
    }
  });
});

/**
 * A consumer that stops after candle `k` and another that takes over: it rebuilds the state from the
 * newest `alertLookback` candles stored before `k` (read back from InfluxDB) and Kafka redelivers from
 * `from` ≤ k (the last committed offset may be behind the stored points).
 */
const restarted = (rs: readonly AlertRule[], k: number, from = k): Alert[] => {
  const first = evaluateAll(rs, initialAlertState, week.slice(0, k)).alerts;
  const lookback = alertLookback(rs);
  const state = restoreAlertState(rs, week.slice(Math.max(0, k - lookback), k).map(stored));
  const second = evaluateAll(rs, state, week.slice(from)).alerts;
  return [...first, ...second];
};

describe('a restart anywhere in the week', () => {
  it('fires the same alerts, whatever candle it happens after', () => {
    for (let k = 0; k <= week.length; k++)
      assert.deepEqual(restarted(weekRules, k), full.alerts, `split at ${k}`);
  });

  it('fires the same alerts when Kafka redelivers candles the stopped consumer had evaluated', () => {
    for (const [k, from] of [
      [100, 90],
      [300, 0],
      [672, 600],
      [5, 0],
    ] as const)
      assert.deepEqual(restarted(weekRules, k, from), full.alerts);
  });

  it('fires the same alerts for any thresholds, window and split (property)', () => {
    const closes = week.map((c) => Number(c.close));
    const [lo, hi] = [Math.min(...closes), Math.max(...closes)];
    fc.assert(
      fc.property(
        fc.double({ min: lo, max: hi, noNaN: true }),
        fc.double({ min: 0.001, max: 0.2, noNaN: true }),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        fc.double({ min: 20, max: 80, noNaN: true }),
        fc.integer({ min: 0, max: week.length }),
        fc.integer({ min: 0, max: 50 }),
        (price, band, window, change, rsi, k, redelivered) => {
          const rs = rules(
            { name: 'p', symbol: 'BTCUSDC', field: 'close', above: price * (1 + band / 10), below: price },
            { name: 'c', symbol: 'BTCUSDC', field: 'change', window, above: change, below: -change },
            { name: 'r', symbol: 'BTCUSDC', field: 'rsi', above: rsi },
          );
          const whole = evaluateAll(rs, initialAlertState, week).alerts;
          assert.deepEqual(restarted(rs, k, Math.max(0, k - redelivered)), whole);
        },
      ),
      { numRuns: 100 },
    );
  });
});
