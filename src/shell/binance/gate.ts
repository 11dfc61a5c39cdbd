import { weightDelay } from '../../core/binance/budget.ts';
import type { KlinesOutcome } from '../../core/binance/response.ts';

/**
 * What one process knows about a Binance host: when it may be asked again (Retry-After of a 429 or
 * 418, or the end of a minute whose weight budget is spent). Shared by every producer of the process,
 * because Binance counts per IP.
 */
export type HostGate = { openAt: number; usedWeight: number | undefined };

const gates = new Map<string, HostGate>();

export const gateOf = (baseUrl: string): HostGate => {
  const host = new URL(baseUrl).host;
  let gate = gates.get(host);
  if (gate === undefined) gates.set(host, (gate = { openAt: 0, usedWeight: undefined }));
  return gate;
};

/** Closes the gate after an answer, as long as the answer says (never shortens an earlier closure). */
export const recordOutcome = (gate: HostGate, outcome: KlinesOutcome, now: number): void => {
  if (outcome.usedWeight !== undefined) gate.usedWeight = outcome.usedWeight;
  const wait =
    outcome.kind === 'rate-limited' || outcome.kind === 'banned'
      ? outcome.retryAfterMs
      : weightDelay(outcome.usedWeight, now);
  gate.openAt = Math.max(gate.openAt, now + wait);
};
