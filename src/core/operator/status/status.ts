import type { KubernetesObject } from '@kubernetes/client-node';
import type { CryptoStream, CryptoStreamStatus } from '../../../api/v1alpha1/cryptostream.ts';
import { childKey } from '../plan.ts';
import { columnsOf } from './columns.ts';
import { setCondition } from './conditions.ts';
import type { ConditionValue } from './conditions.ts';
import { componentCondition, lagScalingHealth, strimziHealth, workloadHealth } from './health.ts';
import type { Health } from './health.ts';
import { externalKafkaSummary } from '../kafka/connection.ts';
import { symbolPartitionsOf } from '../kafka/topics.ts';
import { endpointsOf, names } from '../names.ts';
import { PAUSED_CONDITION } from './pause.ts';
import type { Pod } from './pods.ts';
import { KEDA_API, scalesOnLag } from '../workers/lagScaling.ts';
import type { Child } from '../child.ts';

/**
 * A child the last reconcile could not write: the API server refused it (ApplyFailed, with its message), or
 * its name is taken by an object the stream does not own (NameConflict, with the whole message).
 */
export type Failure = {
  readonly child: Child;
  readonly message: string;
  readonly reason?: 'ApplyFailed' | 'NameConflict';
};

export const COMPONENTS = ['Kafka', 'InfluxDB', 'Grafana', 'Producers', 'Consumers'] as const;
export type ComponentType = (typeof COMPONENTS)[number];

/** What `Ready` waits for: the path candles take from Binance into InfluxDB. Grafana only shows them. */
export const DATA_PATH: readonly ComponentType[] = ['Kafka', 'InfluxDB', 'Producers', 'Consumers'];

const componentOf = (c: Child): ComponentType => {
  const label = c.metadata.labels?.['app.kubernetes.io/component'];
  if (label === 'kafka' || label === 'topic') return 'Kafka';
  if (label === 'grafana') return 'Grafana';
  if (label === 'producer') return 'Producers';
  if (label === 'consumer' || label === 'workers') return 'Consumers';
  return 'InfluxDB';
};

const failed = (f: Failure): Health =>
  f.reason === 'NameConflict'
    ? { ready: false, reason: 'NameConflict', message: f.message }
    : {
        ready: false,
        reason: 'ApplyFailed',
        message: `${f.child.kind} ${f.child.metadata.name} could not be applied: ${f.message}`,
      };

/**
 * One condition per component, from what the children report about themselves, what failed to apply
 * and the pods of the workloads among `observed` (a stuck pod names why a workload does not run).
 */
export const componentConditions = (
  cr: CryptoStream,
  observed: readonly KubernetesObject[],
  failures: readonly Failure[],
): ConditionValue[] => {
  const live = new Map(observed.map((o) => [childKey(o), o]));
  const pods = observed.filter((o): o is Pod => o.kind === 'Pod');
  const find = (apiVersion: string, kind: string, name: string) =>
    live.get(childKey({ apiVersion, kind, metadata: { name, namespace: cr.metadata.namespace } }));
  const n = names(cr);
  const failuresOf = (component: ComponentType) =>
    failures.filter((f) => componentOf(f.child) === component).map(failed);
  const strimzi = (kind: string, name: string) =>
    strimziHealth(find('kafka.strimzi.io/v1', kind, name), `${kind} ${name}`);
  const workload = (kind: string, name: string) =>
    workloadHealth(find('apps/v1', kind, name), `${kind} ${name}`, pods);
  const grafana = cr.spec.grafana.enabled
    ? [workload('Deployment', n.grafana)]
    : [{ ready: true, reason: 'Disabled', message: 'Grafana is disabled (spec.grafana.enabled)' }];
  const external = cr.spec.kafka.external;
  const kafka =
    external === undefined
      ? [
          strimzi('Kafka', n.kafka),
          ...cr.spec.intervals.flatMap((i) => [
            strimzi('KafkaTopic', n.topic(i)),
            strimzi('KafkaTopic', n.dlqTopic(i)),
          ]),
        ]
      : [{ ready: true, reason: 'External', message: externalKafkaSummary(cr, external) }];
  const healths = {
    Kafka: kafka,
    InfluxDB: [workload('StatefulSet', n.influxdb)],
    Grafana: grafana,
    // One producer for all the intervals (docs/operator.md: one rate budget per IP).
    Producers: [workload('Deployment', n.producer)],
    Consumers: [
      ...cr.spec.intervals.map((i) => workload('Deployment', n.consumer(i))),
      ...(scalesOnLag(cr)
        ? cr.spec.intervals.map((i) => lagScalingHealth(find(KEDA_API, 'ScaledObject', n.consumer(i))))
        : []),
    ],
  };
  return COMPONENTS.map((type) => componentCondition(type, [...failuresOf(type), ...healths[type]]));
};

/**
 * Ready when every component of the data path is (Grafana's own condition says whether the dashboards
 * run; a Grafana whose image cannot be pulled does not hold the pipeline back); otherwise the first
 * component that is not, and why. A name taken by someone else's object (NameConflict) is named first,
 * whichever component it is in: only the user can resolve it.
 */
export const readyCondition = (components: readonly ConditionValue[]): ConditionValue => {
  const conflicts = components.filter((c) => c.reason === 'NameConflict');
  if (conflicts.length > 0)
    return {
      type: 'Ready',
      status: 'False',
      reason: 'NameConflict',
      message: conflicts.map((c) => `${c.type}: ${c.message}`).join('\n'),
    };
  const notReady = components.filter(
    (c) => DATA_PATH.includes(c.type as ComponentType) && c.status !== 'True',
  );
  if (notReady.length === 0)
    return {
      type: 'Ready',
      status: 'True',
      reason: 'Ready',
      message: 'Kafka, InfluxDB, the producer and the consumers are ready',
    };
  return {
    type: 'Ready',
    status: 'False',
    reason: `${notReady[0]!.type}NotReady`,
    message: notReady.map((c) => `${c.type}: ${c.message}`).join('\n'),
  };
};

/**
 * The status the resource should have. Equal to the current one when nothing changed, so a converged
 * stream gets no status write (transition times move only when a condition flips).
 */
export const nextStatus = (
  cr: CryptoStream,
  observed: readonly KubernetesObject[],
  failures: readonly Failure[],
  now: string,
): CryptoStreamStatus => {
  const components = componentConditions(cr, observed, failures);
  const generation = cr.metadata.generation;
  // A pause that ended leaves no ReconciliationPaused condition behind.
  const conditions = [readyCondition(components), ...components].reduce(
    (list, c) => setCondition(list, c, generation, now),
    (cr.status?.conditions ?? []).filter((c) => c.type !== PAUSED_CONDITION),
  );
  return {
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    conditions,
    ...columnsOf(cr),
    symbolPartitions: symbolPartitionsOf(cr),
    endpoints: endpointsOf(cr),
  };
};
