import { isRecord } from '../record.ts';
import { err, ok, type Result } from '../result.ts';
import type { Candle } from './candle.ts';
import { isInterval, type Interval } from './interval.ts';
import { problem, type Problem } from './rejection.ts';
import { validateCandle } from './validate.ts';

/** A kline event of the WebSocket stream `<symbol>@kline_<interval>`, unwrapped from its envelope. */
export type StreamKline = {
  readonly candle: Candle;
  readonly symbol: string;
  readonly interval: Interval;
  /** `k.x`: the candle is closed and final; earlier events for the same open time are updates. */
  readonly final: boolean;
};

/**
 * Reads a raw (`{"e":"kline",…}`) or combined-stream (`{"stream":…,"data":{…}}`) payload. `k.B` is
 * ignored (absent in older payloads); zero-trade candles carry `f = L = -1`, which is fine since the
 * trade ids are not kept.
 */
export const fromStreamPayload = (payload: unknown): Result<StreamKline, Problem> => {
  const event = isRecord(payload) && isRecord(payload['data']) ? payload['data'] : payload;
  if (!isRecord(event)) return err(problem('a kline event must be a JSON object'));
  if (event['e'] !== 'kline')
    return err(problem(`not a kline event: e = ${JSON.stringify(event['e'])}`, 'e'));
  const k = event['k'];
  if (!isRecord(k)) return err(problem('a kline event has an object k', 'k'));
  const symbol = k['s'];
  if (typeof symbol !== 'string' || !/^[A-Z0-9]{2,20}$/.test(symbol))
    return err(problem(`not a symbol: ${JSON.stringify(symbol)}`, 'k.s'));
  const interval = k['i'];
  if (typeof interval !== 'string' || !isInterval(interval))
    return err(problem(`not a supported interval: ${JSON.stringify(interval)}`, 'k.i'));
  if (typeof k['x'] !== 'boolean') return err(problem('k.x (closed) must be a boolean', 'k.x'));
  const candle = validateCandle({
    openTime: k['t'],
    open: k['o'],
    high: k['h'],
    low: k['l'],
    close: k['c'],
    volume: k['v'],
    closeTime: k['T'],
    quoteVolume: k['q'],
    trades: k['n'],
    takerBuyBase: k['V'],
    takerBuyQuote: k['Q'],
  });
  return candle.ok ? ok({ candle: candle.value, symbol, interval, final: k['x'] }) : candle;
};
