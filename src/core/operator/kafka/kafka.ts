import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import { metaFor, podsOf } from '../child.ts';
import type { Child } from '../child.ts';
import { KAFKA_PORT, names } from '../names.ts';
import { podPlacement, withRequiredLabels } from '../podTemplate.ts';
import { KEDA_OPERATOR_PODS, scalesOnLag } from '../workers/lagScaling.ts';
import { restrictedStandardContainer } from '../security.ts';

export const STRIMZI_API = 'kafka.strimzi.io/v1';
export const STRIMZI_CLUSTER_LABEL = 'strimzi.io/cluster';

/** Replication that the cluster size allows: 3 copies at most, 2 in sync when there are 3 or more nodes. */
export const replicationOf = (replicas: number): { factor: number; minInSync: number } => ({
  factor: Math.min(replicas, 3),
  minInSync: replicas >= 3 ? 2 : 1,
});

/**
 * The stream's `spec.template` as Strimzi's `template.pod` of the Kafka nodes and of the entity operator, which
 * has imagePullSecrets, affinity, tolerations and priorityClassName but no nodeSelector: the node labels become
 * a required node affinity. The operator's own image pull secrets (ownPodTemplate) are not for these pods:
 * Strimzi chooses their images and pulls them with its own STRIMZI_IMAGE_PULL_SECRETS, which a template's
 * imagePullSecrets replace. Empty (no template): no `pod` at all, as before templates existed.
 */
export const strimziPod = (cr: CryptoStream): { pod?: Record<string, unknown> } => {
  const { nodeSelector, affinity, ...rest } = podPlacement(cr.spec.template ?? {});
  const withLabels = withRequiredLabels(affinity, nodeSelector ?? {});
  const pod = { ...rest, ...(withLabels === undefined ? {} : { affinity: withLabels }) };
  return Object.keys(pod).length === 0 ? {} : { pod };
};

/**
 * The Strimzi `Kafka` (KRaft; the nodes come from the KafkaNodePool). Its plain listener admits only this
 * stream's producers and consumers, and KEDA's operator when the consumers scale on lag
 * (`networkPolicyPeers`): Strimzi writes that NetworkPolicy itself, and always lets its own operator and the
 * cluster's nodes in.
 *
 * Strimzi's default (baseline) pod security leaves its containers' securityContext empty, which a namespace
 * enforcing the `restricted` Pod Security Standard refuses: the Kafka and Topic Operator containers carry the
 * restricted settings here, whatever the Strimzi installation is configured with.
 *
 * Both kinds of pods get the stream's pod template (strimziPod).
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
            networkPolicyPeers: [
              podsOf(cr, 'producer'),
              podsOf(cr, 'consumer'),
              // KEDA's operator reads the consumer groups' lag (lagScaling.ts), from whichever namespace it runs in.
              ...(scalesOnLag(cr)
                ? [{ namespaceSelector: {}, podSelector: { matchLabels: KEDA_OPERATOR_PODS } }]
                : []),
            ],
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
        template: { ...strimziPod(cr), kafkaContainer: { securityContext: restrictedStandardContainer } },
      },
      entityOperator: {
        topicOperator: {},
        template: {
          ...strimziPod(cr),
          topicOperatorContainer: {
            securityContext: restrictedStandardContainer,
            env: [{ name: 'STRIMZI_USE_FINALIZERS', value: 'false' }],
          },
        },
      },
    },
  };
};

/**
 * One pool of nodes that are both broker and KRaft controller, on persistent volumes (of
 * `kafka.storageClassName` when set). Its pods follow the Kafka's `template.pod`.
 */
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
            ...(cr.spec.kafka.storageClassName === undefined
              ? {}
              : { class: cr.spec.kafka.storageClassName }),
            deleteClaim: true,
            kraftMetadata: 'shared',
          },
        ],
      },
    },
  };
};
