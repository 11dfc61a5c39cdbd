import { API_VERSION, KIND, PLURAL } from '../../api/v1alpha1/cryptostream.ts';

/** Where the API serves a kind: `apiVersion`, resource plural, and whether it lives in a namespace. */
export type Resource = {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
};

const r = (apiVersion: string, kind: string, plural: string, namespaced = true): Resource => ({
  apiVersion,
  kind,
  plural,
  namespaced,
});

export const CRYPTOSTREAM = r(API_VERSION, KIND, PLURAL);
export const LEASE = r('coordination.k8s.io/v1', 'Lease', 'leases');
export const EVENT = r('events.k8s.io/v1', 'Event', 'events');
/** Not children (their ReplicaSets own them): watched read-only, for why a workload does not run. */
export const POD = r('v1', 'Pod', 'pods');

/** KEDA's, where it is installed: the consumers' autoscaler when they scale on lag (workers/lagScaling.ts). */
export const SCALED_OBJECT = r('keda.sh/v1alpha1', 'ScaledObject', 'scaledobjects');

/** The Prometheus Operator's, where it is installed: a PodMonitor per stream (monitoring/podMonitor.ts). */
export const POD_MONITOR = r('monitoring.coreos.com/v1', 'PodMonitor', 'podmonitors');

/** Every kind of child the operator creates; it watches each of them (by label) to reconcile drift. */
export const CHILD_RESOURCES: readonly Resource[] = [
  r('v1', 'Secret', 'secrets'),
  r('v1', 'ServiceAccount', 'serviceaccounts'),
  r('v1', 'ConfigMap', 'configmaps'),
  r('v1', 'Service', 'services'),
  r('apps/v1', 'Deployment', 'deployments'),
  r('apps/v1', 'StatefulSet', 'statefulsets'),
  r('autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers'),
  r('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets'),
  r('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies'),
  r('kafka.strimzi.io/v1', 'Kafka', 'kafkas'),
  r('kafka.strimzi.io/v1', 'KafkaNodePool', 'kafkanodepools'),
  r('kafka.strimzi.io/v1', 'KafkaTopic', 'kafkatopics'),
  SCALED_OBJECT,
  r('keda.sh/v1alpha1', 'TriggerAuthentication', 'triggerauthentications'),
  POD_MONITOR,
];

export const resourceOf = (apiVersion: string, kind: string): Resource => {
  const found = [CRYPTOSTREAM, LEASE, EVENT, POD, ...CHILD_RESOURCES].find(
    (x) => x.apiVersion === apiVersion && x.kind === kind,
  );
  if (found === undefined) throw new Error(`the operator does not manage ${apiVersion} ${kind}`);
  return found;
};

/** The REST path of a collection (namespace undefined: across all namespaces) or of one object. */
export const pathOf = (res: Resource, namespace?: string, name?: string): string => {
  const base = res.apiVersion.includes('/') ? `/apis/${res.apiVersion}` : `/api/${res.apiVersion}`;
  const ns = res.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${res.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
};
