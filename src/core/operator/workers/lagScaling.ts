import type { CryptoStream, ExternalKafka, SaslMechanism } from '../../../api/v1alpha1/cryptostream.ts';
import type { Interval } from '../../kline/interval.ts';
import { metaFor } from '../child.ts';
import type { Child } from '../child.ts';
import { SASL_KEYS } from '../kafka/connection.ts';
import { consumerGroupOf, endpointsOf, names, topicPrefixOf } from '../names.ts';
import { replicaRangeOf } from './autoscaling.ts';

export const KEDA_API = 'keda.sh/v1alpha1';

/** KEDA's operator, which reads the consumer groups' lag (label of KEDA's chart and manifests). */
export const KEDA_OPERATOR_PODS = { 'app.kubernetes.io/name': 'keda-operator' } as const;

/** The stream asks to scale its consumers on lag too (spec.consumer.autoscaling.lagThreshold). */
export const scalesOnLag = (cr: CryptoStream): boolean =>
  cr.spec.consumer.autoscaling.lagThreshold !== undefined;

/** KEDA's names of the SASL mechanisms (its Kafka scaler's `sasl`). */
const KEDA_SASL: Readonly<Record<SaslMechanism, string>> = {
  'scram-sha-512': 'scram_sha512',
  'scram-sha-256': 'scram_sha256',
  plain: 'plaintext',
};

const needsAuthentication = (external: ExternalKafka | undefined): boolean =>
  external?.tls?.caSecret !== undefined || external?.sasl !== undefined;

const authenticationName = (cr: CryptoStream): string => `${cr.metadata.name}-kafka-lag`;

/**
 * The credentials of an external Kafka for KEDA's Kafka scaler, from the same Secrets the workers use: the
 * CA certificate, the SASL password, and the user name (from the Secret, or the consumer's own variable when
 * the stream names the user). None for the in-cluster Kafka or one without a CA or SASL.
 */
export const kafkaLagAuthentication = (cr: CryptoStream): Child[] => {
  const external = cr.spec.kafka.external;
  if (!scalesOnLag(cr) || !needsAuthentication(external)) return [];
  const { tls, sasl } = external!;
  return [
    {
      apiVersion: KEDA_API,
      kind: 'TriggerAuthentication',
      metadata: metaFor(cr, authenticationName(cr), 'consumer'),
      spec: {
        secretTargetRef: [
          ...(tls?.caSecret === undefined ? [] : [{ parameter: 'ca', ...tls.caSecret }]),
          ...(sasl === undefined
            ? []
            : [
                { parameter: 'password', name: sasl.secret, key: SASL_KEYS.password },
                ...(sasl.username === undefined
                  ? [{ parameter: 'username', name: sasl.secret, key: SASL_KEYS.username }]
                  : []),
              ]),
        ],
        ...(sasl?.username === undefined
          ? {}
          : {
              env: [
                {
                  parameter: 'username',
                  name: 'CRYPTOSTREAM_KAFKA_SASL_USERNAME',
                  containerName: 'consumer',
                },
              ],
            }),
      },
    },
  ];
};

/**
 * A KEDA ScaledObject for an interval's consumers, in place of the HorizontalPodAutoscaler: KEDA runs one
 * HPA with two triggers, CPU as before and the consumer group's lag (one replica per `lagThreshold` candles
 * behind), between the same replica bounds (capped at one replica per symbol). Idle consumers are not
 * started (allowIdleConsumers false); a group without committed offsets counts from the earliest offset,
 * as the consumers read.
 */
export const consumerScaledObject = (cr: CryptoStream, interval: Interval): Child => {
  const { targetCPUUtilizationPercentage, lagThreshold } = cr.spec.consumer.autoscaling;
  const { minReplicas, maxReplicas } = replicaRangeOf(cr);
  const external = cr.spec.kafka.external;
  const name = names(cr).consumer(interval);
  return {
    apiVersion: KEDA_API,
    kind: 'ScaledObject',
    metadata: metaFor(cr, name, 'consumer', interval),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicaCount: minReplicas,
      maxReplicaCount: maxReplicas,
      triggers: [
        {
          type: 'cpu',
          metricType: 'Utilization',
          metadata: { value: String(targetCPUUtilizationPercentage) },
        },
        {
          type: 'kafka',
          metadata: {
            bootstrapServers: endpointsOf(cr).kafka,
            consumerGroup: consumerGroupOf(cr, interval),
            topic: `${topicPrefixOf(cr)}${interval}`,
            lagThreshold: String(lagThreshold),
            offsetResetPolicy: 'earliest',
            allowIdleConsumers: 'false',
            ...(external?.tls === undefined ? {} : { tls: 'enable' }),
            ...(external?.sasl === undefined ? {} : { sasl: KEDA_SASL[external.sasl.mechanism] }),
          },
          ...(needsAuthentication(external) ? { authenticationRef: { name: authenticationName(cr) } } : {}),
        },
      ],
    },
  };
};
