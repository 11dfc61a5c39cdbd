import type { Logger } from '../observability/logger.ts';
import { sleep } from '../observability/sleep.ts';
import { writePoints, type InfluxTarget } from './influx.ts';

/**
 * Runs `report` every `everyMs` and once more on `stop` (bounded by `lastTimeoutMs`, within the time a
 * stopping worker has). A report that fails is the report's own business: it should carry its counts
 * into the next one.
 */
export const periodicReport = (
  report: (options: { signal?: AbortSignal; timeoutMs?: number }) => Promise<void>,
  everyMs: number,
  lastTimeoutMs: number,
): { readonly stop: () => Promise<void> } => {
  const stopped = new AbortController();
  let writing: Promise<void> = Promise.resolve();
  const loop = async () => {
    while (!stopped.signal.aborted) {
      await sleep(everyMs, stopped.signal);
      if (stopped.signal.aborted) break;
      writing = report({ signal: stopped.signal });
      await writing;
    }
  };
  void loop();
  return {
    stop: async () => {
      stopped.abort();
      await writing;
      await report({ timeoutMs: lastTimeoutMs });
    },
  };
};

/**
 * Writes a report's `pipeline` lines; true when InfluxDB took them (lines it refused are logged, not
 * retried), false when the write failed: the caller carries the counts into its next report.
 */
export const writeReport = async (
  target: InfluxTarget,
  bucket: string,
  lines: readonly string[],
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal | undefined },
  log: Logger,
): Promise<boolean> => {
  try {
    const refused = await writePoints(target, bucket, lines, {
      timeoutMs: options.timeoutMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (refused.length > 0)
      log.warn({ reason: refused[0]!.reason, count: refused.length }, 'InfluxDB refused pipeline points');
    return true;
  } catch (e) {
    log.warn({ err: e }, 'pipeline points not written; the next report carries their counts');
    return false;
  }
};
