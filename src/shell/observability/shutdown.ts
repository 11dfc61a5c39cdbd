import type { Logger } from './logger.ts';

/** SIGTERM and SIGINT start a graceful stop; a process still alive 10 s later exits anyway. */
export const GRACE_MS = 10_000;

export const onShutdown = (log: Logger, stop: () => void): (() => void) => {
  const handler = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'shutting down');
    stop();
    setTimeout(() => {
      log.error({ signal }, 'graceful shutdown took too long; exiting');
      process.exit(4);
    }, GRACE_MS - 500).unref();
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
};
