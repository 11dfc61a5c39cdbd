import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import { COMPONENT_LABEL, metaFor, STREAM_LABEL } from '../child.ts';
import type { Child } from '../child.ts';
import { names } from '../names.ts';

/** The Prometheus Operator's API (monitoring.coreos.com/v1), served where its CRDs are installed. */
export const PROMETHEUS_OPERATOR_API = 'monitoring.coreos.com/v1';

/** The workers' metrics: the `http` port of every producer and consumer pod (src/shell/observability). */
export const METRICS_PORT_NAME = 'http';
export const METRICS_PATH = '/metrics';

/**
 * One PodMonitor per stream, created only where the cluster serves PodMonitors (desiredState's
 * `podMonitorInstalled`): a Prometheus run by the Prometheus Operator that selects it scrapes the
 * `/metrics` of the stream's producer and consumer pods on their `http` port, every 30 seconds. The
 * selector uses labels the workers' pods keep for life (selectorLabels). Whether a Prometheus picks the
 * PodMonitor up is its own `podMonitorSelector` / `podMonitorNamespaceSelector` (kube-prometheus-stack
 * selects only its release's unless `podMonitorSelectorNilUsesHelmValues: false`): docs/operator.md.
 */
export const podMonitor = (cr: CryptoStream): Child => ({
  apiVersion: PROMETHEUS_OPERATOR_API,
  kind: 'PodMonitor',
  metadata: metaFor(cr, names(cr).workers, 'workers'),
  spec: {
    selector: {
      matchLabels: { [STREAM_LABEL]: cr.metadata.name },
      matchExpressions: [{ key: COMPONENT_LABEL, operator: 'In', values: ['producer', 'consumer'] }],
    },
    podMetricsEndpoints: [{ port: METRICS_PORT_NAME, path: METRICS_PATH, interval: '30s' }],
  },
});
