import { isRecord } from '../record.ts';
import { chain, err, ok, type Result } from '../result.ts';
import type { Candle, MarketCandle } from './candle.ts';
import { isInterval, type Interval } from './interval.ts';
import { problem, type Problem } from './rejection.ts';
import { plainMarketCandle, requireInterval, validateCandle } from './validate.ts';

/**
 * The Kafka record of a closed candle: key = symbol, value = the candle as JSON, headers naming the
 * schema version and the source. Decoding validates again: the consumer trusts nothing on the wire.
 */
export const SCHEMA_VERSION = '1';

export type CandleMessage = {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
};

export const symbolPattern = /^[A-Z0-9]{2,20}$/;

export const encodeCandle = (candle: MarketCandle, source: string): CandleMessage => ({
  key: candle.symbol,
  value: JSON.stringify(candle),
  headers: { 'schema-version': SCHEMA_VERSION, source },
});

/**
 * A candle of the interval the record names (and that the topic carries, when `expected`): it spans
 * that interval and opens at the start of one of its buckets.
 */
const toMarketCandle =
  (expected?: Interval) =>
  (value: unknown): Result<MarketCandle, Problem> => {
    if (!isRecord(value)) return err(problem('the message value must be a JSON object'));
    const { symbol, interval } = value;
    if (typeof symbol !== 'string' || !symbolPattern.test(symbol))
      return err(problem(`not a symbol: ${JSON.stringify(symbol)}`, 'symbol'));
    if (typeof interval !== 'string' || !isInterval(interval))
      return err(problem(`not a supported interval: ${JSON.stringify(interval)}`, 'interval'));
    if (expected !== undefined && interval !== expected)
      return err(problem(`a ${interval} candle in the ${expected} topic`, 'interval'));
    const plain = plainMarketCandle(value as Record<keyof Candle, unknown>, symbol, interval);
    if (plain !== undefined) return ok(plain);
    const candle = chain(requireInterval(interval))(validateCandle(value as Record<keyof Candle, unknown>));
    return candle.ok ? ok({ symbol, interval, ...candle.value }) : candle;
  };

/**
 * Decodes a record value into a validated market candle, checking its key (when there is one) and its
 * interval against the topic's (when given).
 */
export const decodeCandle = (
  value: string,
  key?: string,
  interval?: Interval,
): Result<MarketCandle, Problem> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return err(problem('the message value is not valid JSON'));
  }
  const decoded = toMarketCandle(interval)(parsed);
  if (decoded.ok && key !== undefined && key !== decoded.value.symbol)
    return err(problem(`key ${JSON.stringify(key)} does not match symbol ${decoded.value.symbol}`, 'key'));
  return decoded;
};
