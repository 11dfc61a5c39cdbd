import type { Clock } from '../../src/shell/observability/clock.ts';

export type ManualClock = Clock & {
  /**
   * Moves time `ms` forward: wakes the sleepers due on the way, earliest first, at their own times, and after
   * each lets what woke run until `settle()` says it is done (for example, its requests are answered).
   */
  readonly advance: (ms: number) => Promise<void>;
};

/** A clock that stands still until a test advances it, so timed behaviour runs without sleeping. */
export const manualClock = (settle: () => Promise<void>, start = Date.now()): ManualClock => {
  let now = start;
  const sleepers = new Set<{ readonly at: number; readonly wake: () => void }>();
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        if (ms <= 0 || signal?.aborted === true) return resolve();
        const sleeper = {
          at: now + ms,
          wake: () => {
            sleepers.delete(sleeper);
            resolve();
          },
        };
        sleepers.add(sleeper);
        signal?.addEventListener('abort', sleeper.wake, { once: true });
      }),
    advance: async (ms) => {
      const until = now + ms;
      await settle();
      for (;;) {
        const next = [...sleepers].filter((s) => s.at <= until).sort((a, b) => a.at - b.at)[0];
        if (next === undefined) break;
        now = Math.max(now, next.at);
        next.wake();
        await settle();
      }
      now = until;
    },
  };
};
