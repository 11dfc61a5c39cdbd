import { pino, type Logger } from 'pino';
import type { Screen } from './screen.ts';

/**
 * The JSON logs of `cryptostream local` on stderr (through the screen, above the progress block), at the
 * level asked for; whatever that level, the last warning or error is kept, so that a run that stops
 * moving can say what failed last.
 */
export const localLogger = (
  level: string,
  screen: Screen,
): {
  readonly log: Logger;
  readonly lastProblem: () => string | undefined;
  /** From now on only errors are shown (the run is over: stopping its clients is no news). */
  readonly quiet: () => void;
} => {
  let last: string | undefined;
  let quiet = false;
  const keep = {
    write: (line: string) => {
      try {
        const r = JSON.parse(line) as { msg?: string; err?: { message?: string } };
        last = [r.msg, r.err?.message].filter((s) => s !== undefined && s !== '').join(': ');
      } catch {
        last = line.trim();
      }
    },
  };
  const shown = {
    write: (line: string) => {
      if (!quiet || /"level":(50|60)[,}]/.test(line)) screen.print(line);
    },
  };
  const values = pino.levels.values;
  const streams = [
    { level: 'warn' as const, stream: keep },
    ...(level === 'silent' ? [] : [{ level: level as pino.Level, stream: shown }]),
  ];
  const lowest = level !== 'silent' && (values[level] ?? Infinity) < values['warn']! ? level : 'warn';
  return {
    log: pino(
      { level: lowest, base: { role: 'local' }, timestamp: pino.stdTimeFunctions.isoTime },
      pino.multistream(streams),
    ),
    lastProblem: () => last,
    quiet: () => {
      quiet = true;
    },
  };
};
