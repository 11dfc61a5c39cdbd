import type { Candle } from '../../core/kline/candle.ts';
import type { Interval } from '../../core/kline/interval.ts';
import { parseKlines } from '../../core/kline/parse.ts';
import type { Rejection } from '../../core/kline/rejection.ts';
import { intervalOf } from '../../core/kline/validate.ts';

/** The candles of one market read from any input, with what had to be rejected and why. */
export type MarketSeries = {
  readonly candles: readonly Candle[];
  readonly interval: Interval | undefined;
  readonly rejections: readonly Rejection[];
};

/**
 * Reads one market's series: the first valid candle fixes the interval (and the symbol, for WebSocket
 * input); candles of another interval or symbol, open WebSocket candles, and candles at or before the
 * previous open time are rejected with their position, so the series stays strictly increasing.
 */
export const marketSeries = (
  text: string,
  expected?: { interval?: Interval; symbol?: string },
): MarketSeries => {
  const candles: Candle[] = [];
  const rejections: Rejection[] = [];
  let interval = expected?.interval;
  let symbol = expected?.symbol;
  for (const r of parseKlines(text)) {
    if (!r.ok) {
      rejections.push(r.error);
      continue;
    }
    const { candle, position } = r.value;
    const reject = (reason: string, field?: string) =>
      rejections.push(field === undefined ? { position, reason } : { position, reason, field });
    const own = intervalOf(candle);
    interval ??= own;
    symbol ??= r.value.symbol;
    const previous = candles.at(-1);
    if (own !== interval) reject(`a ${own} candle in a ${interval} series`, 'closeTime');
    else if (r.value.symbol !== undefined && r.value.symbol !== symbol)
      reject(`symbol ${r.value.symbol} in a ${symbol} series`, 'symbol');
    else if (r.value.final === false) reject('the candle is not closed yet (k.x is false)', 'k.x');
    else if (previous !== undefined && candle.openTime <= previous.openTime)
      reject(`openTime ${candle.openTime} is not after the previous ${previous.openTime}`, 'openTime');
    else candles.push(candle);
  }
  return { candles, interval, rejections };
};
