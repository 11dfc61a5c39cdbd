import { clockOffset, parseServerTime } from '../../core/binance/serverTime.ts';
import { classifyKlines } from '../../core/binance/response.ts';
import type { Logger } from '../observability/logger.ts';
import { metrics } from '../observability/metrics.ts';
import { getJson } from './client.ts';
import { recordOutcome, type HostGate } from './gate.ts';

/** How often the offset to Binance's clock is measured again. */
export const SERVER_CLOCK_RESYNC_MS = 10 * 60 * 1000;

/** Binance's clock as this process knows it: the local clock plus the last measured offset. */
export type ServerClock = {
  /** Binance's time now (ms). */
  readonly now: () => number;
  /** The local time (ms) at which Binance's clock reads `serverTime`. */
  readonly localTimeOf: (serverTime: number) => number;
  /** Measures the offset again when it is due (or `force`), through the host's gate. */
  readonly sync: (force?: boolean) => Promise<void>;
};

/**
 * Tracks the offset of Binance's clock with `GET /api/v3/time` (weight 1), measured at start and every
 * ten minutes. A failed measurement keeps the last offset (zero before the first) and says so.
 */
export const serverClock = (
  baseUrl: string,
  gate: HostGate,
  log: Logger,
  timeoutMs?: number,
): ServerClock => {
  let offset = 0;
  let syncedAt = Number.NEGATIVE_INFINITY;
  return {
    now: () => Date.now() + offset,
    localTimeOf: (serverTime) => serverTime - offset,
    sync: async (force = false) => {
      const now = Date.now();
      if ((!force && now - syncedAt < SERVER_CLOCK_RESYNC_MS) || gate.openAt > now) return;
      syncedAt = now;
      const sentAt = Date.now();
      const answer = await getJson(new URL('/api/v3/time', baseUrl).toString(), timeoutMs);
      const receivedAt = Date.now();
      if (!answer.ok) return log.warn({ reason: answer.error, offset }, "could not read Binance's time");
      // A 429 or 418 closes the gate for every request of the process, as for klines.
      const outcome = classifyKlines(answer.value, '1s', receivedAt);
      if (answer.value.status !== 200) {
        recordOutcome(gate, outcome, receivedAt);
        metrics().binanceRequests.inc({ outcome: outcome.kind });
        return log.warn({ status: answer.value.status, offset }, "could not read Binance's time");
      }
      if (outcome.usedWeight !== undefined) gate.usedWeight = outcome.usedWeight;
      const serverTime = parseServerTime(answer.value.body);
      if (!serverTime.ok)
        return log.warn({ reason: serverTime.error, offset }, "could not read Binance's time");
      const measured = clockOffset(sentAt, receivedAt, serverTime.value);
      if (Math.abs(measured - offset) >= 100 || !Number.isFinite(syncedAt))
        log.info(
          { offsetMs: measured, roundTripMs: receivedAt - sentAt },
          "offset of Binance's clock to this host's",
        );
      offset = measured;
      metrics().serverClockOffset.set(offset / 1000);
    },
  };
};
