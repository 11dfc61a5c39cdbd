import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import { metaFor, podsOf } from '../child.ts';
import type { Child } from '../child.ts';
import { KAFKA_PORT, names } from '../names.ts';
import { restrictedStandardContainer } from '../security.ts';

export const STRIMZI_API = 'kafka.strimzi.io/v1';
export const STRIMZI_CLUSTER_LABEL = 'strimzi.io/cluster';

/** Replication that the cluster size allows: 3 copies at most, 2 in sync when there are 3 or more nodes. */
export const replicationOf = (replicas: number): { factor: number; minInSync: number } => ({
  factor: Math.min(replicas, 3),
  minInSync: replicas >= 3 ? 2 : 1,
});

/**
 * The Strimzi `Kafka` (KRaft; the nodes come from the KafkaNodePool). Its plain listener admits only this
 * stream's producers and consumers (`networkPolicyPeers`): Strimzi writes that NetworkPolicy itself, and
 * always lets its own operator and the cluster's nodes in.
 *
 * Strimzi's default (baseline) pod security leaves its containers' securityContext empty, which a namespace
 * enforcing the `restricted` Pod Security Standard refuses: the Kafka and Topic Operator containers carry the
 * restricted settings here, whatever the Strimzi installation is configured with.
 *
 * The Topic Operator runs without finalizers on the KafkaTopics: when the stream (or its namespace) is deleted,
 * garbage collection deletes the topics together with the Kafka that runs the Topic Operator, and a finalizer
 * that only a running Topic Operator can remove would leave them, and the namespace, stuck in Terminating. The
 * topics go with the brokers anyway; a topic of a removed interval is still deleted by the running Topic Operator.
 */
export const kafka = (cr: CryptoStream): Child => {
  const { factor, minInSync } = replicationOf(cr.spec.kafka.replicas);
  return {
    apiVersion: STRIMZI_API,
    kind: 'Kafka',
    metadata: metaFor(cr, names(cr).kafka, 'kafka'),
    spec: {
      kafka: {
        ...(cr.spec.kafka.version === undefined ? {} : { version: cr.spec.kafka.version }),
        listeners: [
          {
            name: 'plain',
            port: KAFKA_PORT,
            type: 'internal',
            tls: false,
            networkPolicyPeers: [podsOf(cr, 'producer'), podsOf(cr, 'consumer')],
          },
        ],
        config: {
          'offsets.topic.replication.factor': factor,
          'transaction.state.log.replication.factor': factor,
          'transaction.state.log.min.isr': minInSync,
          'default.replication.factor': factor,
          'min.insync.replicas': minInSync,
          'auto.create.topics.enable': false,
        },
        template: { kafkaContainer: { securityContext: restrictedStandardContainer } },
      },
      entityOperator: {
        topicOperator: {},
        template: {
          topicOperatorContainer: {
            securityContext: restrictedStandardContainer,
            env: [{ name: 'STRIMZI_USE_FINALIZERS', value: 'false' }],
          },
        },
      },
    },
  };
};

/** One pool of nodes that are both broker and KRaft controller, on persistent volumes. */
export const kafkaNodePool = (cr: CryptoStream): Child => {
  const meta = metaFor(cr, names(cr).kafkaNodePool, 'kafka');
  return {
    apiVersion: STRIMZI_API,
    kind: 'KafkaNodePool',
    metadata: { ...meta, labels: { ...meta.labels, [STRIMZI_CLUSTER_LABEL]: names(cr).kafka } },
    spec: {
      replicas: cr.spec.kafka.replicas,
      roles: ['controller', 'broker'],
      storage: {
        type: 'jbod',
        volumes: [
          {
            id: 0,
            type: 'persistent-claim',
            size: cr.spec.kafka.storage,
            deleteClaim: true,
            kraftMetadata: 'shared',
          },
        ],
      },
    },
  };
};
