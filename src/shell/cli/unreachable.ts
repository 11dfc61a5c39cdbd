import { KafkaUnreachable } from '../kafka/client.ts';
import { EXIT_INFLUXDB_UNREACHABLE, EXIT_KAFKA_UNREACHABLE } from './command.ts';

/**
 * InfluxDB could not be used: it did not answer, refused the token, lacks a bucket, or stored nothing
 * for too long. The message names the URL and the failure, in one line for a person.
 */
export class InfluxDBUnreachable extends Error {
  override readonly name = 'InfluxDBUnreachable';
}

/**
 * The exit status of a command that stopped because a service could not be reached, after one line on
 * stderr naming which and where (`cryptostream <command>: Kafka at … did not answer within 20 s (…)`);
 * undefined for any other error, which the caller handles as before.
 *
 *     } catch (e) {
 *       const unreachable = exitOnUnreachable('producer', e);
 *       if (unreachable !== undefined) return unreachable;
 *       …
 */
export const exitOnUnreachable = (
  command: string,
  e: unknown,
  stderr: { write: (text: string) => unknown } = process.stderr,
): number | undefined => {
  const status =
    e instanceof KafkaUnreachable
      ? EXIT_KAFKA_UNREACHABLE
      : e instanceof InfluxDBUnreachable
        ? EXIT_INFLUXDB_UNREACHABLE
        : undefined;
  if (status !== undefined) stderr.write(`cryptostream ${command}: ${(e as Error).message}\n`);
  return status;
};
