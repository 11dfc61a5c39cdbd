import type { Candle } from '../kline/candle.ts';
import { bucketStart, intervalMs, isInterval, type Interval } from '../kline/interval.ts';
import { describeProblem } from '../kline/rejection.ts';
import { requireInterval } from '../kline/validate.ts';
import { fromStreamPayload, type StreamKline } from '../kline/websocket.ts';
import { isRecord } from '../record.ts';
import { attempt, chain, map } from '../result.ts';
import type { RejectedRow } from './response.ts';

/**
 * Live candles: the WebSocket kline streams say when a candle is final (`k.x = true`); REST fills what
 * the streams did not deliver (history, reconnects, a closing event that is late or lost).
 */

/** A market: one symbol at one interval, with its own cursor and topic partition. */
export type Market = { readonly symbol: string; readonly interval: Interval };

export const marketKey = (m: Market): string => `${m.symbol}@${m.interval}`;

/** What a closing stream event (or a REST row) settles at an open time: a candle, or a bad row to dead-letter. */
export type Settled =
  | { readonly kind: 'candle'; readonly candle: Candle }
  | { readonly kind: 'rejected'; readonly row: RejectedRow };

export const openTimeOf = (s: Settled): number => (s.kind === 'candle' ? s.candle.openTime : s.row.openTime);

/** A stream message, as far as the producer cares. */
export type StreamEvent =
  /** `k.x = false`: an update of the open candle, never published. */
  | { readonly kind: 'update' }
  /** `k.x = true`: the final candle, or the exchange's bad row at that open time. */
  | { readonly kind: 'final'; readonly market: Market; readonly settled: Settled }
  /** `{"e":"serverShutdown"}`: Binance is about to close the connection. */
  | { readonly kind: 'shutdown' }
  /** A message that cannot be placed in any market: logged and counted. */
  | { readonly kind: 'unreadable'; readonly reason: string };

/**
 * Where a closing event that is not a valid candle belongs, if it can be placed: its symbol, a served
 * interval and an open time aligned to it.
 */
const placeBadFinal = (event: Record<string, unknown>): { market: Market; openTime: number } | undefined => {
  const k = event['k'];
  if (!isRecord(k) || k['x'] !== true) return undefined;
  const [symbol, interval, openTime] = [k['s'], k['i'], k['t']];
  if (typeof symbol !== 'string' || typeof interval !== 'string' || !isInterval(interval)) return undefined;
  if (typeof openTime !== 'number' || !Number.isSafeInteger(openTime)) return undefined;
  return bucketStart(interval, openTime) === openTime
    ? { market: { symbol, interval }, openTime }
    : undefined;
};

/** Reads one message of a combined (or raw) kline stream. */
export const readStreamMessage = (text: string): StreamEvent => {
  const payload = attempt(
    () => JSON.parse(text) as unknown,
    () => 'not JSON',
  );
  if (!payload.ok) return { kind: 'unreadable', reason: payload.error };
  const event =
    isRecord(payload.value) && isRecord(payload.value['data']) ? payload.value['data'] : payload.value;
  if (isRecord(event) && event['e'] === 'serverShutdown') return { kind: 'shutdown' };
  const kline = chain((k: StreamKline) =>
    map((candle: Candle) => ({ ...k, candle }))(requireInterval(k.interval)(k.candle)),
  )(fromStreamPayload(event));
  if (kline.ok)
    return kline.value.final
      ? {
          kind: 'final',
          market: { symbol: kline.value.symbol, interval: kline.value.interval },
          settled: { kind: 'candle', candle: kline.value.candle },
        }
      : { kind: 'update' };
  const placed = isRecord(event) ? placeBadFinal(event) : undefined;
  if (placed !== undefined)
    return {
      kind: 'final',
      market: placed.market,
      settled: { kind: 'rejected', row: { openTime: placed.openTime, row: text, problem: kline.error } },
    };
  // A bad update of the open candle is never published anyway; its closing event decides.
  const update = isRecord(event) && isRecord(event['k']) && event['k']['x'] === false;
  return update ? { kind: 'update' } : { kind: 'unreadable', reason: describeProblem(kline.error) };
};

/**
 * How long after a candle's close the producer waits for its closing event before asking REST for it:
 * Binance sends it within moments of the close; a later one finds the candle already published and is
 * ignored.
 */
export const streamGrace = (interval: Interval): number =>
  Math.min(10_000, Math.max(2_000, intervalMs[interval] / 10));

/**
 * The settled entries that continue the cursor without a hole, in order, and the cursor after them.
 * Entries before the cursor are stale (already published).
 */
export const takeRun = (
  interval: Interval,
  cursor: number,
  pending: ReadonlyMap<number, Settled>,
): { readonly run: readonly Settled[]; readonly cursor: number } => {
  const step = intervalMs[interval];
  const run: Settled[] = [];
  let next = cursor;
  for (let s = pending.get(next); s !== undefined; s = pending.get(next)) {
    run.push(s);
    next += step;
  }
  return { run, cursor: next };
};
