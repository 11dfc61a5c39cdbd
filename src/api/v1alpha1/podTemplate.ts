import { arr, int, obj, str } from './openapi.ts';
import type { Schema } from './openapi.ts';

/**
 * The schema of `spec.template` (type `PodTemplate`): the pod fields every pod of a stream gets, described
 * for `kubectl explain`. The API server checks the pods' affinity itself when the operator applies them.
 */

/** A DNS subdomain: the name of a Secret, a PriorityClass or a StorageClass. */
export const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$';

const objectName = (description: string): Schema =>
  str(description, { minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN });

const imagePullSecrets = arr(
  "Secrets (type kubernetes.io/dockerconfigjson) in the stream's namespace with the credentials of a private registry, as a Pod's imagePullSecrets; the operator neither creates nor copies them. Unset: the producers, consumers, InfluxDB and Grafana get the operator's own (the chart's streamDefaults.imagePullSecrets, by default its imagePullSecrets), and the Kafka pods what the Strimzi operator is configured with (STRIMZI_IMAGE_PULL_SECRETS). Set: every pod gets these, the Kafka pods too (in place of Strimzi's); []: none for the producers, consumers, InfluxDB and Grafana (the Kafka pods keep Strimzi's).",
  obj(
    'A Secret of registry credentials.',
    { name: objectName('Name of the Secret.') },
    { required: ['name'] },
  ),
  { maxItems: 16, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
);

// A map: `additionalProperties` is outside the Schema type (no other field of the API needs it).
const nodeSelector = {
  type: 'object',
  description:
    "Node labels every pod's node must have, as a Pod's nodeSelector, for example {node.example.com/pool: markets}. The Kafka pods get them as a required node affinity (Strimzi's pod template has no nodeSelector), added to every term of affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.",
  additionalProperties: str('The label value the node must have.', { maxLength: 63 }),
} as Schema;

const toleration = obj("A toleration, as in a Pod's tolerations.", {
  key: str('Taint key the toleration matches. Empty, with operator Exists: every taint.', {
    maxLength: 316,
  }),
  operator: str('Exists (any value of the key) or Equal (the value below). Unset: Equal.', {
    enum: ['Exists', 'Equal'],
  }),
  value: str('Taint value the toleration matches (operator Equal).', { maxLength: 63 }),
  effect: str('Taint effect the toleration matches. Unset: every effect.', {
    enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
  }),
  tolerationSeconds: int(
    'With effect NoExecute: how long the pod stays on a node after the taint appears. Unset: for ever.',
    { format: 'int64' },
  ),
});

const tolerations = arr(
  "Taints every pod tolerates, as a Pod's tolerations: to run the stream on nodes tainted for it, for example {key: dedicated, operator: Equal, value: markets, effect: NoSchedule}.",
  toleration,
  { maxItems: 32 },
);

const affinity: Schema = {
  type: 'object',
  description:
    "Node affinity, pod affinity and pod anti-affinity of every pod, as a Pod's affinity (nodeAffinity, podAffinity, podAntiAffinity; kubectl explain pod.spec.affinity). The API server checks it when the operator applies the workloads and Strimzi's Kafka: a mistake shows as ApplyFailed in the stream's conditions.",
  'x-kubernetes-preserve-unknown-fields': true,
};

export const podTemplate = obj(
  "What every pod of the stream gets, as Strimzi's template.pod: the producers, consumers, InfluxDB and Grafana, and through Strimzi the Kafka nodes and the entity operator. Use it to pull images from a private registry and to place the stream on chosen nodes. Each field set goes into every pod as it is; unset fields leave the pods as they are. Changing it rolls the pods.",
  {
    imagePullSecrets,
    nodeSelector,
    tolerations,
    affinity,
    priorityClassName: objectName(
      "Name of a PriorityClass for every pod (it must exist: the API server refuses pods of an unknown one). Unset: the cluster's default priority.",
    ),
  },
);
