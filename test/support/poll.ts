import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` every `everyMs` until it returns a value (anything but undefined or false) and returns it.
 * A check that throws fails the wait at once, unless `retryErrors` (then the last error is named when the
 * deadline passes). The deadline only ends a hung test: no timing is asserted.
 */
export const poll = async <T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  { timeoutMs, everyMs, retryErrors }: { timeoutMs: number; everyMs: number; retryErrors: boolean },
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (e) {
      if (!retryErrors) throw e;
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`gave up waiting until ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await sleep(everyMs);
  }
};
