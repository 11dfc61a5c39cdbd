/** A subcommand of `cryptostream`: it reads its own arguments and returns the process exit status. */
export type Command = {
  readonly summary: string;
  readonly run: (argv: readonly string[]) => Promise<number>;
};

/** Exit statuses shared by every subcommand. */
export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
/** Some input records were rejected; the valid ones were still processed. */
export const EXIT_REJECTED = 2;
/** A worker (producer, consumer) could not reach Kafka within its start-up deadline. */
export const EXIT_KAFKA_UNREACHABLE = 5;
