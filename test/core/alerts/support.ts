import {
  alertRules,
  type AlertRule,
  type AlertSpec,
  type EnrichedCandle,
} from '../../../src/core/alerts/index.ts';
import { defaultIndicatorConfig } from '../../../src/core/indicators/index.ts';
import { intervalMs, type Interval } from '../../../src/core/kline/interval.ts';

/** Rules resolved as a consumer of a stream of intervals 15m and 1h with the default indicators resolves them. */
export const rules = (...alerts: AlertSpec[]): readonly AlertRule[] => {
  const r = alertRules({ alerts, intervals: ['15m', '1h'], indicators: defaultIndicatorConfig });
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

export const T0 = Date.UTC(2024, 8, 16);

/** A 15m BTCUSDC candle number `i` of a series, with what a test is about. */
export const candle = (
  i: number,
  what: {
    close?: number;
    volume?: number;
    indicators?: Record<string, number>;
    symbol?: string;
    interval?: Interval;
  } = {},
): EnrichedCandle => {
  const interval = what.interval ?? '15m';
  return {
    symbol: what.symbol ?? 'BTCUSDC',
    interval,
    openTime: T0 + i * intervalMs[interval],
    close: (what.close ?? 100).toFixed(8),
    volume: (what.volume ?? 1).toFixed(8),
    indicators: what.indicators ?? {},
  };
};

/** Closes as a 15m series. */
export const closes = (...xs: number[]): EnrichedCandle[] => xs.map((close, i) => candle(i, { close }));
