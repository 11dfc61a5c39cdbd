import { setTimeout as delay } from 'node:timers/promises';

/** Sleeps `ms`, or less when the signal aborts (never throws). */
export const sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
  if (ms <= 0 || signal?.aborted === true) return;
  await delay(ms, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
};
