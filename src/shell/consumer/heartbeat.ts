/**
 * Heartbeats while a batch waits on InfluxDB. kafkajs heartbeats only between fetches and when the batch
 * handler calls `heartbeat()`: a handler that waits on a slow InfluxDB longer than the session timeout
 * gets its member evicted, the batch delivered again, and with a slow (not down) InfluxDB that repeats.
 */

/** kafkajs errors that mean the group is rebalancing or the member is out of it: rejoin, do not retry. */
const REJOIN = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
]);

export const isRebalancing = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && REJOIN.has(String((e as { type?: unknown }).type));

export type Beat = () => Promise<void>;

/**
 * Runs `work` and calls `heartbeat` every `everyMs` until it settles (kafkajs sends a heartbeat only when
 * its heartbeat interval passed, so calling it often is cheap). A heartbeat that says the group is
 * rebalancing aborts `work` (its signal) and rejects with that error, so the handler returns at once and
 * kafkajs rejoins within the rebalance timeout; other heartbeat failures (a broker briefly away) are
 * reported to `onMissed` and the work goes on.
 */
export const whileBeating = async <T>(
  work: (signal: AbortSignal) => Promise<T>,
  heartbeat: Beat,
  everyMs: number,
  onMissed: (e: unknown) => void = () => undefined,
): Promise<T> => {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let beating = false;
  const rebalance = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (beating) return;
      beating = true;
      heartbeat()
        .catch((e: unknown) => {
          if (!isRebalancing(e)) return onMissed(e);
          reject(e as Error); // first: the handler gets the rebalance, not the abandoned work's failure
          abort.abort(e);
        })
        .finally(() => (beating = false));
    }, everyMs);
  });
  rebalance.catch(() => undefined);
  try {
    return await Promise.race([work(abort.signal), rebalance]);
  } finally {
    clearInterval(timer);
  }
};
