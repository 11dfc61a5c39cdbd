import { attempt, err, ok, type Result } from '../result.ts';

/**
 * Binance's clock seen from this host. A candle is closed when its close time lies before the
 * exchange's now, not the host's: a host clock running ahead would otherwise take the open candle for a
 * closed one and publish partial values.
 */

/** `GET /api/v3/time`: weight 1. */
export const SERVER_TIME_WEIGHT = 1;

/**
 * The offset to add to the local clock to read Binance's: the server time against the midpoint of the
 * request (the answer was made about half-way through the round trip).
 */
export const clockOffset = (sentAt: number, receivedAt: number, serverTime: number): number =>
  Math.round(serverTime - (sentAt + receivedAt) / 2);

/** Reads the `{"serverTime": <ms>}` body of `GET /api/v3/time`. */
export const parseServerTime = (body: string): Result<number, string> => {
  const parsed = attempt(
    () => JSON.parse(body) as unknown,
    () => 'not JSON',
  );
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  const time =
    typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)['serverTime']
      : undefined;
  return typeof time === 'number' && Number.isSafeInteger(time) && time > 0
    ? ok(time)
    : err(`no serverTime in ${body.slice(0, 80)}`);
};
