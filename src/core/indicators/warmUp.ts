import type { IndicatorConfig } from './config.ts';

/**
 * The 0-based index of the first candle of a series that carries each output field of a configuration
 * (docs/indicators.md, "first value at t"): from there on every candle carries it.
 */
export const firstValueAt = (c: IndicatorConfig): Readonly<Record<string, number>> => ({
  ...Object.fromEntries(c.sma.map((n) => [`sma_${n}`, n - 1])),
  ...Object.fromEntries(c.ema.map((n) => [`ema_${n}`, n - 1])),
  [`rsi_${c.rsi}`]: c.rsi,
  macd: c.macd.slow - 1,
  macd_signal: c.macd.slow + c.macd.signal - 2,
  macd_hist: c.macd.slow + c.macd.signal - 2,
  bb_upper: c.bollinger.period - 1,
  bb_middle: c.bollinger.period - 1,
  bb_lower: c.bollinger.period - 1,
  [`atr_${c.atr}`]: c.atr,
  // Wilder sums of n changes (from candle n), then DX smoothed over n of them.
  [`adx_${c.adx}`]: 2 * c.adx - 1,
  log_return: 1,
  [`volatility_${c.volatility}`]: c.volatility,
});

/** Candles a series needs before every indicator of the configuration has its first value. */
export const warmUpCandles = (c: IndicatorConfig): number => Math.max(...Object.values(firstValueAt(c))) + 1;
