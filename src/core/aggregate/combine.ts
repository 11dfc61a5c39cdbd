import type { Candle } from '../kline/candle.ts';
import { compareDecimals, fromUnits, toUnits, type Decimal } from '../kline/decimal.ts';

const add = (a: Decimal, b: Decimal): Decimal => fromUnits(toUnits(a) + toUnits(b));

/**
 * Merges two adjacent candles (`later` follows `earlier`) into one spanning both: first open, max high,
 * min low, last close, exact sums of volume, quote volume, trades and taker-buy volumes. Associative,
 * so aggregation composes (1m→15m→1h equals 1m→1h).
 */
export const combineCandles = (earlier: Candle, later: Candle): Candle => ({
  openTime: earlier.openTime,
  open: earlier.open,
  high: compareDecimals(later.high, earlier.high) > 0 ? later.high : earlier.high,
  low: compareDecimals(later.low, earlier.low) < 0 ? later.low : earlier.low,
  close: later.close,
  volume: add(earlier.volume, later.volume),
  closeTime: later.closeTime,
  quoteVolume: add(earlier.quoteVolume, later.quoteVolume),
  trades: earlier.trades + later.trades,
  takerBuyBase: add(earlier.takerBuyBase, later.takerBuyBase),
  takerBuyQuote: add(earlier.takerBuyQuote, later.takerBuyQuote),
});
