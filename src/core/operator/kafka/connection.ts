import type { V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { CryptoStream, ExternalKafka } from '../../../api/v1alpha1/cryptostream.ts';
import { env, secretEnv } from '../env.ts';
import { endpointsOf, topicPrefixOf } from '../names.ts';
import { partitionsOf, retentionMsOf } from './topics.ts';

/** Where a worker finds the CA certificate of an external Kafka (a Secret volume with one file). */
export const KAFKA_CA_DIR = '/etc/cryptostream/kafka-ca';
export const KAFKA_CA_FILE = `${KAFKA_CA_DIR}/ca.crt`;
const CA_VOLUME = 'kafka-ca';

/** The keys a SASL Secret holds (a Strimzi KafkaUser's Secret has `password`; `username` is optional). */
export const SASL_KEYS = { username: 'username', password: 'password' } as const;

/** TLS and SASL settings of the workers: the CA as a file path, the credentials through secretKeyRefs. */
const securityEnv = (external: ExternalKafka | undefined): V1EnvVar[] => {
  const { tls, sasl } = external ?? {};
  return [
    ...(tls === undefined ? [] : [env('CRYPTOSTREAM_KAFKA_TLS', 'true')]),
    ...(tls?.caSecret === undefined ? [] : [env('CRYPTOSTREAM_KAFKA_CA_FILE', KAFKA_CA_FILE)]),
    ...(sasl === undefined
      ? []
      : [
          env('CRYPTOSTREAM_KAFKA_SASL_MECHANISM', sasl.mechanism),
          sasl.username === undefined
            ? secretEnv('CRYPTOSTREAM_KAFKA_SASL_USERNAME', sasl.secret, SASL_KEYS.username)
            : env('CRYPTOSTREAM_KAFKA_SASL_USERNAME', sasl.username),
          secretEnv('CRYPTOSTREAM_KAFKA_SASL_PASSWORD', sasl.secret, SASL_KEYS.password),
        ]),
  ];
};

/**
 * How a worker reaches Kafka and which topics it creates when they are missing (docs/configuration.md):
 * the bootstrap servers, TLS and SASL of an external Kafka, and the topics' partitions and retention.
 * The in-cluster Kafka gets the same topic settings, so a worker that starts before Strimzi's topic
 * operator creates the topics as their KafkaTopics describe them.
 */
export const kafkaEnv = (cr: CryptoStream): V1EnvVar[] => {
  const external = cr.spec.kafka.external;
  return [
    env('CRYPTOSTREAM_KAFKA_BROKERS', endpointsOf(cr).kafka),
    ...securityEnv(external),
    env('CRYPTOSTREAM_TOPIC_PREFIX', topicPrefixOf(cr)),
    env('CRYPTOSTREAM_TOPIC_PARTITIONS', String(partitionsOf(cr))),
    env('CRYPTOSTREAM_TOPIC_RETENTION_MS', String(retentionMsOf(cr))),
    ...(external?.replicationFactor === undefined
      ? []
      : [env('CRYPTOSTREAM_TOPIC_REPLICATION_FACTOR', String(external.replicationFactor))]),
  ];
};

/** The volume and mount of an external Kafka's CA certificate; none without `tls.caSecret`. */
export const kafkaCaVolume = (cr: CryptoStream): { volumes: V1Volume[]; volumeMounts: V1VolumeMount[] } => {
  const ca = cr.spec.kafka.external?.tls?.caSecret;
  if (ca === undefined) return { volumes: [], volumeMounts: [] };
  return {
    volumes: [{ name: CA_VOLUME, secret: { secretName: ca.name, items: [{ key: ca.key, path: 'ca.crt' }] } }],
    volumeMounts: [{ name: CA_VOLUME, mountPath: KAFKA_CA_DIR, readOnly: true }],
  };
};

/** What the status says about an external Kafka: where it is, how the workers connect, which topics they use. */
export const externalKafkaSummary = (cr: CryptoStream, external: ExternalKafka): string => {
  const tls =
    external.tls === undefined
      ? 'no TLS'
      : external.tls.caSecret === undefined
        ? "TLS trusting the system's root certificates"
        : `TLS trusting the CA in Secret ${external.tls.caSecret.name} (key ${external.tls.caSecret.key})`;
  const sasl =
    external.sasl === undefined
      ? 'no SASL'
      : external.sasl.username === undefined
        ? `SASL ${external.sasl.mechanism} with the user name and password in Secret ${external.sasl.secret}`
        : `SASL ${external.sasl.mechanism} as ${external.sasl.username} with the password in Secret ${external.sasl.secret}`;
  return `external Kafka ${external.bootstrapServers} (${tls}, ${sasl}); the producer and the consumers create their topics there (${topicPrefixOf(cr)}<interval> and its -dlq)`;
};
