import type { Decimal } from './decimal.ts';
import type { Interval } from './interval.ts';

/**
 * One Binance kline, as the REST API's 12-element row minus the unused last element. Times are epoch
 * milliseconds; decimals are canonical 8-place strings (exact); `trades` is an integer.
 */
export type Candle = {
  readonly openTime: number;
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly close: Decimal;
  readonly volume: Decimal;
  readonly closeTime: number;
  readonly quoteVolume: Decimal;
  readonly trades: number;
  readonly takerBuyBase: Decimal;
  readonly takerBuyQuote: Decimal;
};

/** A candle of a known market: what flows through Kafka and what the enrichment sees. */
export type MarketCandle = Candle & { readonly symbol: string; readonly interval: Interval };

/** The decimal fields of a candle, in the REST row's order. */
export const decimalFields = [
  'open',
  'high',
  'low',
  'close',
  'volume',
  'quoteVolume',
  'takerBuyBase',
  'takerBuyQuote',
] as const;
