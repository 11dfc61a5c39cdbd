/**
 * At most `n` holders at once, served in the order they asked: `acquire` resolves with the function that
 * gives the slot back (once; later calls do nothing). A waiter whose signal aborts leaves the queue and
 * is rejected with the signal's reason, so an abandoned batch never holds or takes a slot.
 */
export type Slots = { readonly acquire: (signal?: AbortSignal) => Promise<() => void> };

export const slots = (n: number): Slots => {
  let free = n;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next === undefined) free += 1;
    else next();
  };
  const releaser = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };
  return {
    acquire: (signal) => {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      if (free > 0) {
        free -= 1;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          waiting.splice(waiting.indexOf(grant), 1);
          reject(signal!.reason as Error);
        };
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(releaser());
        };
        waiting.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
};
