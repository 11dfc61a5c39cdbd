import type { V1ServiceAccount } from '@kubernetes/client-node';
import type { CryptoStream } from '../../api/v1alpha1/cryptostream.ts';
import { metaFor, podsOf, selectorLabels } from './child.ts';
import type { Child, Component } from './child.ts';
import { INFLUX_PORT, names } from './names.ts';

/** Pods here never call the Kubernetes API, so no token is mounted. */
const serviceAccount = (cr: CryptoStream, name: string, component: Component): Child & V1ServiceAccount => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: metaFor(cr, name, component),
  automountServiceAccountToken: false,
});

export const serviceAccounts = (cr: CryptoStream): Child[] => [
  serviceAccount(cr, names(cr).workers, 'workers'),
  serviceAccount(cr, names(cr).influxdb, 'influxdb'),
  ...(cr.spec.grafana.enabled ? [serviceAccount(cr, names(cr).grafana, 'grafana')] : []),
];

/**
 * InfluxDB admits only this stream's consumers and Grafana. A NodePort (`influxdb.nodePort`) opens it to
 * clients outside the cluster as well, on purpose. Kafka's policy is Strimzi's (see `kafka.ts`).
 */
// Typed as a plain Child: client-node's V1NetworkPolicyIngressRule names the `from` field `_from`.
export const influxdbNetworkPolicy = (cr: CryptoStream): Child => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: metaFor(cr, names(cr).influxdb, 'network-policy'),
  spec: {
    podSelector: { matchLabels: selectorLabels(cr, 'influxdb') },
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [
          podsOf(cr, 'consumer'),
          ...(cr.spec.grafana.enabled ? [podsOf(cr, 'grafana')] : []),
          ...(cr.spec.influxdb.nodePort === undefined ? [] : [{ ipBlock: { cidr: '0.0.0.0/0' } }]),
        ],
        ports: [{ protocol: 'TCP', port: INFLUX_PORT }],
      },
    ],
  },
});
