/** A subcommand of `cryptostream`: it reads its own arguments and returns the process exit status. */
export type Command = {
  readonly summary: string;
  readonly run: (argv: readonly string[]) => Promise<number>;
};

/**
 * Exit statuses shared by every subcommand: one table (`exitStatuses`), shown in each command's `--help`
 * (`exitStatusHelp`) and in docs/configuration.md.
 */
export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
/** Some input records were rejected; the valid ones were still processed. */
export const EXIT_REJECTED = 2;
/** The command failed after it started (the error on stderr). */
export const EXIT_FAILURE = 3;
/** Still running 9.5 s after SIGTERM/SIGINT (src/shell/observability/shutdown.ts). */
export const EXIT_SHUTDOWN_TIMEOUT = 4;
/** A worker (producer, consumer, local) could not reach Kafka within its start-up deadline. */
export const EXIT_KAFKA_UNREACHABLE = 5;
/** `local` could not reach InfluxDB, InfluxDB refused its token or buckets, or stored nothing for too long. */
export const EXIT_INFLUXDB_UNREACHABLE = 6;

export type CommandName = 'aggregate' | 'enrich' | 'producer' | 'consumer' | 'local' | 'operator';

const workers: readonly CommandName[] = ['producer', 'consumer', 'local'];

/** Every exit status, what it means, and the commands that can end with it. */
export const exitStatuses: readonly {
  readonly status: number;
  readonly meaning: string;
  readonly commands: readonly CommandName[];
}[] = [
  {
    status: EXIT_OK,
    meaning: 'done, or stopped as asked (SIGTERM/SIGINT)',
    commands: ['aggregate', 'enrich', 'producer', 'consumer', 'local', 'operator'],
  },
  {
    status: EXIT_USAGE,
    meaning: 'usage: a flag, variable or argument is wrong (the message says which)',
    commands: ['aggregate', 'enrich', 'producer', 'consumer', 'local', 'operator'],
  },
  {
    status: EXIT_REJECTED,
    meaning: 'some input records were rejected (one JSON line each on stderr); the valid ones were processed',
    commands: ['aggregate', 'enrich'],
  },
  {
    status: EXIT_FAILURE,
    meaning: 'failed after it started (the error on stderr)',
    commands: ['aggregate', 'enrich', 'producer', 'consumer', 'local', 'operator'],
  },
  {
    status: EXIT_SHUTDOWN_TIMEOUT,
    meaning: 'still running 9.5 s after SIGTERM/SIGINT: exited without finishing its stop',
    commands: workers,
  },
  {
    status: EXIT_KAFKA_UNREACHABLE,
    meaning: 'Kafka could not be reached (one line on stderr names the brokers and the last failure)',
    commands: workers,
  },
  {
    status: EXIT_INFLUXDB_UNREACHABLE,
    meaning:
      'InfluxDB could not be reached, refused the token or a bucket, or stored nothing for --stall-timeout (one line on stderr names the URL and the failure)',
    commands: ['local'],
  },
];

/** The "Exit status" section of a command's `--help`: the statuses it can end with. */
export const exitStatusHelp = (command: CommandName, extra: Readonly<Record<number, string>> = {}): string =>
  [
    'Exit status:',
    ...exitStatuses
      .filter((e) => e.commands.includes(command))
      .map(
        (e) => `  ${e.status}  ${e.meaning}${extra[e.status] === undefined ? '' : `; ${extra[e.status]}`}`,
      ),
  ].join('\n');
