import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import { metaFor, podsOf } from '../child.ts';
import type { Child } from '../child.ts';
import { INFLUX_PORT, names } from '../names.ts';

/** The label of the operator's pods (the chart's selector label, and manifests/install.yaml's). */
export const OPERATOR_POD_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'cryptostream-operator',
};

/**
 * Lets the operator's pods (in `operatorNamespace`, the namespace it runs in) reach InfluxDB's API, where
 * it asks for Grafana's read-only token (influxdb/grafanaToken.ts). NetworkPolicies add up, so this one
 * only opens one more door in front of InfluxDB (policies.ts keeps everything else shut). None when the
 * operator runs outside the cluster (no namespace of its own), or nothing needs the token (no Grafana), or
 * the stream has no NetworkPolicies at all.
 */
export const influxdbFromOperator = (cr: CryptoStream, operatorNamespace: string | undefined): Child[] =>
  operatorNamespace === undefined || !cr.spec.grafana.enabled || !cr.spec.networkPolicies.enabled
    ? []
    : [
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: metaFor(cr, names(cr).influxdbFromOperator, 'network-policy'),
          spec: {
            podSelector: podsOf(cr, 'influxdb').podSelector,
            policyTypes: ['Ingress'],
            ingress: [
              {
                from: [
                  {
                    namespaceSelector: {
                      matchLabels: { 'kubernetes.io/metadata.name': operatorNamespace },
                    },
                    podSelector: { matchLabels: { ...OPERATOR_POD_LABELS } },
                  },
                ],
                ports: [{ protocol: 'TCP', port: INFLUX_PORT }],
              },
            ],
          },
        },
      ];
