import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON Lines logs (pino) with stable field names: `symbol`, `interval`, `topic`, `partition`,
 * `offset`, `latency` (ms), `role`. Workers log to stdout; `cryptostream local` to stderr.
 */
export const makeLogger = (level: string, role: string, destination: 1 | 2 = 1): Logger =>
  pino(
    { level, base: { role }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ fd: destination, sync: false }),
  );

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
