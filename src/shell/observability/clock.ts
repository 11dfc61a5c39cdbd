import { sleep } from './sleep.ts';

/** Time as code that waits sees it: the system's, or one a test moves by hand. */
export type Clock = {
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Resolves `ms` later, or at once when the signal aborts (never rejects). */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
};

export const systemClock: Clock = { now: () => Date.now(), sleep };
