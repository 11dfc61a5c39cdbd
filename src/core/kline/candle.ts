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

/** A candle's fields in the REST row's order (the order a candle's JSON keeps them in). */
export const candleFields = [
  'openTime',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'closeTime',
  'quoteVolume',
  'trades',
  'takerBuyBase',
  'takerBuyQuote',
] as const satisfies readonly (keyof Candle)[];

/** A market candle's keys in order: its market first, then `candleFields`. */
export const marketCandleKeys = ['symbol', 'interval', ...candleFields] as const;

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
