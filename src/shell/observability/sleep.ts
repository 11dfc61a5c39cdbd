import { setTimeout as delay } from 'node:timers/promises';

/**
 * The longest delay a Node timer keeps (2^31 − 1 ms, about 24.8 days). A longer one is run after 1 ms instead,
 * with a `TimeoutOverflowWarning`: a loop that sleeps until a far-off time (a producer whose `backfillFrom`
 * lies years ahead) would spin.
 */
export const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** Sleeps `ms` (in timer-sized steps when longer than one timer holds), or less when the signal aborts (never throws). */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  sleepInSteps(ms, LONGEST_TIMER_MS, signal);

/** `sleep` with timers of at most `stepMs` each (its tests take short steps). */
export const sleepInSteps = async (ms: number, stepMs: number, signal?: AbortSignal): Promise<void> => {
  const until = Date.now() + ms;
  for (let left = ms; left > 0 && signal?.aborted !== true; left = until - Date.now())
    await delay(Math.min(left, stepMs), undefined, signal === undefined ? {} : { signal }).catch(
      () => undefined,
    );
};
