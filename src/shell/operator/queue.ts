/**
 * A work queue keyed by resource (`namespace/name`): a key is queued once however often it is added,
 * never runs twice at the same time, and a failed run comes back after an exponential backoff. Events
 * that arrive while a key runs queue it once more, so nothing is lost and nothing hot-loops.
 */
export type Queue = {
  readonly add: (key: string) => void;
  /** Resolves when nothing is queued, running or waiting to be retried. */
  readonly idle: () => Promise<void>;
  /** Drops what is queued or waiting to be retried; `idle()` then resolves once the runs under way end. */
  readonly stop: () => void;
};

export type QueueOptions = {
  readonly concurrency: number;
  readonly work: (key: string) => Promise<void>;
  readonly onError: (key: string, error: unknown, retryInMs: number) => void;
  readonly backoffMs?: (failures: number) => number;
};

export const backoff = (failures: number): number => Math.min(60_000, 200 * 2 ** Math.max(0, failures - 1));

export const makeQueue = ({ concurrency, work, onError, backoffMs = backoff }: QueueOptions): Queue => {
  const pending: string[] = [];
  const queued = new Set<string>();
  const running = new Set<string>();
  const again = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Map<string, NodeJS.Timeout>();
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  const checkIdle = () => {
    if (pending.length === 0 && running.size === 0 && timers.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      waiters.forEach((w) => w());
    }
  };

  const pump = () => {
    while (!stopped && running.size < concurrency) {
      const index = pending.findIndex((k) => !running.has(k));
      if (index < 0) break;
      const key = pending.splice(index, 1)[0]!;
      queued.delete(key);
      running.add(key);
      void work(key).then(
        () => {
          failures.delete(key);
          done(key);
        },
        (error: unknown) => {
          const n = (failures.get(key) ?? 0) + 1;
          failures.set(key, n);
          const delay = backoffMs(n);
          onError(key, error, delay);
          if (!stopped)
            timers.set(
              key,
              setTimeout(() => {
                timers.delete(key);
                add(key);
              }, delay),
            );
          done(key);
        },
      );
    }
    checkIdle();
  };

  const done = (key: string) => {
    running.delete(key);
    if (again.delete(key)) add(key);
    pump();
  };

  const add = (key: string) => {
    if (stopped) return;
    if (running.has(key)) {
      again.add(key);
      return;
    }
    if (queued.has(key)) return;
    queued.add(key);
    pending.push(key);
    pump();
  };

  return {
    add,
    idle: () =>
      new Promise((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      }),
    stop: () => {
      stopped = true;
      pending.length = 0;
      queued.clear();
      again.clear();
      timers.forEach((t) => clearTimeout(t));
      timers.clear();
      checkIdle();
    },
  };
};
