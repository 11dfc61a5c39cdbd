import { SASL_MECHANISMS, type SaslMechanism } from '../../api/v1alpha1/cryptostream.ts';
import { err, ok, type Result } from '../../core/result.ts';
import { positiveInt, type SettingSpec } from '../observability/settings.ts';
import type { KafkaOptions, KafkaSecurity } from './client.ts';

/** How the producer and the consumer reach Kafka and create their topics (docs/configuration.md). */
export const kafkaSpec = {
  'kafka-brokers': { env: 'CRYPTOSTREAM_KAFKA_BROKERS', default: '127.0.0.1:9092' },
  'kafka-tls': { env: 'CRYPTOSTREAM_KAFKA_TLS' },
  'kafka-ca-file': { env: 'CRYPTOSTREAM_KAFKA_CA_FILE' },
  'kafka-sasl-mechanism': { env: 'CRYPTOSTREAM_KAFKA_SASL_MECHANISM' },
  'kafka-sasl-username': { env: 'CRYPTOSTREAM_KAFKA_SASL_USERNAME' },
  'kafka-sasl-password': { env: 'CRYPTOSTREAM_KAFKA_SASL_PASSWORD' },
  /** Seconds; unset: `DEFAULT_CONNECT_TIMEOUT_MS`. */
  'kafka-connect-timeout': { env: 'CRYPTOSTREAM_KAFKA_CONNECT_TIMEOUT' },
  'topic-prefix': { env: 'CRYPTOSTREAM_TOPIC_PREFIX', default: 'prices-' },
  'topic-partitions': { env: 'CRYPTOSTREAM_TOPIC_PARTITIONS', default: '4' },
  'topic-retention-ms': { env: 'CRYPTOSTREAM_TOPIC_RETENTION_MS' },
  'topic-replication-factor': { env: 'CRYPTOSTREAM_TOPIC_REPLICATION_FACTOR' },
} as const satisfies SettingSpec;

type Values = Readonly<Record<keyof typeof kafkaSpec, string | undefined>>;

const isMechanism = (text: string): text is SaslMechanism =>
  (SASL_MECHANISMS as readonly string[]).includes(text);

/** `--kafka-tls true|false`; a CA file turns TLS on by itself. */
const tlsOf = (values: Values): Result<KafkaSecurity['tls'], string> => {
  const flag = values['kafka-tls'];
  const caFile = values['kafka-ca-file'];
  if (flag !== undefined && flag !== 'true' && flag !== 'false')
    return err(`--kafka-tls needs true or false, got ${JSON.stringify(flag)}`);
  if (flag === 'false' && caFile !== undefined)
    return err('--kafka-ca-file needs TLS: drop --kafka-tls false');
  if (flag !== 'true' && caFile === undefined) return ok(undefined);
  return ok(caFile === undefined ? {} : { caFile });
};

/** SASL needs a mechanism, a user name and a password together (the messages never show the password). */
const saslOf = (values: Values): Result<KafkaSecurity['sasl'], string> => {
  const mechanism = values['kafka-sasl-mechanism'];
  const username = values['kafka-sasl-username'];
  const password = values['kafka-sasl-password'];
  if (mechanism === undefined) {
    if (username !== undefined || password !== undefined)
      return err('--kafka-sasl-username and --kafka-sasl-password need --kafka-sasl-mechanism');
    return ok(undefined);
  }
  if (!isMechanism(mechanism))
    return err(
      `--kafka-sasl-mechanism needs one of ${SASL_MECHANISMS.join(', ')}, got ${JSON.stringify(mechanism)}`,
    );
  if (username === undefined || password === undefined)
    return err(
      `--kafka-sasl-mechanism ${mechanism} needs --kafka-sasl-username and --kafka-sasl-password (CRYPTOSTREAM_KAFKA_SASL_USERNAME, CRYPTOSTREAM_KAFKA_SASL_PASSWORD)`,
    );
  return ok({ mechanism, username, password });
};

/** An optional whole number of at least `min`. */
const optionalInt = (
  name: string,
  text: string | undefined,
  min: number,
): Result<number | undefined, string> => {
  if (text === undefined) return ok(undefined);
  const n = positiveInt(name, text);
  if (!n.ok) return n;
  return n.value >= min ? ok(n.value) : err(`--${name} must be at least ${min}, got ${n.value}`);
};

/** The Kafka part of a worker's configuration, checked. */
export const kafkaSettings = (values: Values): Result<KafkaOptions, string> => {
  const brokers = (values['kafka-brokers'] ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) return err('--kafka-brokers needs at least one host:port');
  const tls = tlsOf(values);
  if (!tls.ok) return tls;
  const sasl = saslOf(values);
  if (!sasl.ok) return sasl;
  const partitions = optionalInt('topic-partitions', values['topic-partitions'], 1);
  if (!partitions.ok) return partitions;
  const retentionMs = optionalInt('topic-retention-ms', values['topic-retention-ms'], 1);
  if (!retentionMs.ok) return retentionMs;
  const replicationFactor = optionalInt('topic-replication-factor', values['topic-replication-factor'], 1);
  if (!replicationFactor.ok) return replicationFactor;
  const connectTimeout = optionalInt('kafka-connect-timeout', values['kafka-connect-timeout'], 1);
  if (!connectTimeout.ok) return connectTimeout;
  return ok({
    brokers,
    security: {
      ...(tls.value === undefined ? {} : { tls: tls.value }),
      ...(sasl.value === undefined ? {} : { sasl: sasl.value }),
    },
    topicPrefix: values['topic-prefix'] ?? 'prices-',
    ...(partitions.value === undefined ? {} : { partitions: partitions.value }),
    ...(retentionMs.value === undefined ? {} : { retentionMs: retentionMs.value }),
    ...(replicationFactor.value === undefined ? {} : { replicationFactor: replicationFactor.value }),
    ...(connectTimeout.value === undefined ? {} : { connectTimeoutMs: connectTimeout.value * 1000 }),
  });
};
