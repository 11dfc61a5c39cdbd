/**
 * Pacing of requests to Binance: the request-weight budget (`REQUEST_WEIGHT` 6000 per minute per IP,
 * counted in fixed UTC minutes and reported in `x-mbx-used-weight-1m`) and the backoff after failures.
 */
export const WEIGHT_LIMIT_1M = 6000;
/** `GET /api/v3/klines` costs 2. */
export const KLINES_WEIGHT = 2;

export type WeightBudget = {
  readonly limit: number;
  /** Fraction of the limit kept free for other clients on the same IP. */
  readonly headroom: number;
};

export const defaultBudget: WeightBudget = { limit: WEIGHT_LIMIT_1M, headroom: 0.2 };

/**
 * How long to wait before the next request (ms) so the used weight stays under the budget: none while
 * there is room, else until the current minute ends (when Binance resets the counter).
 */
export const weightDelay = (
  usedWeight: number | undefined,
  now: number,
  budget: WeightBudget = defaultBudget,
  cost: number = KLINES_WEIGHT,
): number => {
  if (usedWeight === undefined) return 0;
  const allowed = Math.floor(budget.limit * (1 - budget.headroom));
  if (usedWeight + cost <= allowed) return 0;
  return 60_000 - (now % 60_000);
};

export type Backoff = { readonly baseMs: number; readonly maxMs: number };

export const defaultBackoff: Backoff = { baseMs: 500, maxMs: 30_000 };

/**
 * Exponential backoff with full jitter: attempt 1 waits up to base, attempt n up to base·2^(n−1), capped;
 * `random` in [0, 1) comes from the shell. Never below 10% of the cap of the attempt.
 */
export const backoffDelay = (attempt: number, random: number, backoff: Backoff = defaultBackoff): number => {
  const cap = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap * (0.1 + 0.9 * Math.min(Math.max(random, 0), 1)));
};
