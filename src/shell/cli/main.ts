import type { Command } from './command.ts';
import { EXIT_OK, EXIT_USAGE } from './command.ts';

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
    summary: 'run producers and consumers for several symbols and intervals on the local services',
    load: async () => (await import('../local/command.ts')).run,
  },
  operator: {
    summary: 'reconcile CryptoStream resources into the whole stack (in-cluster config or $KUBECONFIG)',
    load: async () => (await import('../operator/command.ts')).run,
  },
};

export const usage = (): string =>
  [
    'Usage: cryptostream <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    '',
    'Run `cryptostream <command> --help` for the options of a command.',
  ].join('\n');

export const main = async (argv: readonly string[]): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`cryptostream: unknown command ${JSON.stringify(name)}\n\n${usage()}\n`);
    return EXIT_USAGE;
  }
  return (await command.load())(rest);
};
