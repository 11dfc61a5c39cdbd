import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from './command.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './command.ts';

/**
 * Every role of the image. Modules load lazily, so `aggregate` does not pay for the Kafka or
 * Kubernetes clients.
 */
const commands: Readonly<Record<string, { summary: string; load: () => Promise<Command['run']> }>> = {
  aggregate: {
    summary: 'aggregate klines (any Binance shape) into a coarser interval, as REST rows',
    load: async () => (await import('./aggregate.ts')).run,
  },
  enrich: {
    summary: 'compute the technical indicators of a kline series, as JSON Lines',
    load: async () => (await import('./enrich.ts')).run,
  },
  producer: {
    summary: 'publish closed Binance klines to Kafka: backfill from a start time, then live',
    load: async () => (await import('../producer/command.ts')).run,
  },
  consumer: {
    summary: 'consume klines from Kafka, enrich them and write raw and enriched points to InfluxDB',
    load: async () => (await import('../consumer/command.ts')).run,
  },
  local: {
    summary: 'run the producer and one consumer per interval on the local services (Kafka, InfluxDB)',
    load: async () => (await import('../local/command.ts')).run,
  },
  operator: {
    summary: 'reconcile CryptoStream resources into the whole stack (in-cluster config or $KUBECONFIG)',
    load: async () => (await import('../operator/command.ts')).run,
  },
};

/** The version of package.json (beside src/ and dist/ in the repository and in the image). */
export const version = (): string =>
  (
    JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

export const usage = (): string =>
  [
    'Usage: cryptostream <command> [options]',
    '       cryptostream --version | --help',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    '',
    'Run `cryptostream <command> --help` for the options and exit statuses of a command.',
  ].join('\n');

/** An error no command handled: its message, and its stack unless it is a system error (ENOENT…). */
const failure = (name: string, e: unknown): number => {
  const system = e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';
  const text = e instanceof Error ? (system ? e.message : (e.stack ?? e.message)) : String(e);
  process.stderr.write(`cryptostream ${name}: ${text}\n`);
  return EXIT_FAILURE;
};

export const main = async (argv: readonly string[]): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return EXIT_OK;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`cryptostream ${version()}\n`);
    return EXIT_OK;
  }
  if (name === undefined) {
    process.stderr.write(`${usage()}\n`);
    return EXIT_USAGE;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`cryptostream: unknown command ${JSON.stringify(name)}\n\n${usage()}\n`);
    return EXIT_USAGE;
  }
  try {
    return await (
      await command.load()
    )(rest);
  } catch (e) {
    return failure(name, e);
  }
};

/**
 * `main` as the process (bin/cryptostream.js): its status becomes the exit status, and once the command
 * has returned nothing it left behind (a client still retrying a service that is gone) keeps the process
 * alive for more than `graceMs`, which output still being written gets.
 */
export const runAsProcess = async (argv: readonly string[], graceMs = 5000): Promise<void> => {
  const status = await main(argv);
  process.exitCode = status;
  setTimeout(() => process.exit(status), graceMs).unref();
};
