import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import type { Rejection } from '../../core/kline/rejection.ts';
import { EXIT_USAGE } from './command.ts';

/** The whole input of an offline command: FILE when given, else standard input. */
export const readInput = async (file: string | undefined): Promise<string> =>
  file === undefined || file === '-' ? text(process.stdin) : readFile(file, 'utf8');

/** One JSON line on stderr per invalid record: where it was and why (the stable CLI contract). */
export const reportRejections = (rejections: readonly Rejection[], source: string): void => {
  for (const r of rejections)
    process.stderr.write(
      `${JSON.stringify({ kind: 'rejected', source, ...r.position, ...(r.field === undefined ? {} : { field: r.field }), reason: r.reason })}\n`,
    );
};

/** Writes lines to stdout in large chunks, honouring backpressure. */
export const writeLines = async (lines: Iterable<string>): Promise<void> => {
  let chunk = '';
  const flush = async () => {
    if (chunk === '') return;
    const full = !process.stdout.write(chunk);
    chunk = '';
    if (full) await new Promise((resolve) => process.stdout.once('drain', resolve));
  };
  for (const line of lines) {
    chunk += `${line}\n`;
    if (chunk.length > 1 << 16) await flush();
  }
  await flush();
};

export const usageError = (command: string, message: string, usage: string): number => {
  process.stderr.write(`cryptostream ${command}: ${message}\n\n${usage}\n`);
  return EXIT_USAGE;
};
