import type { V1ServiceAccount } from '@kubernetes/client-node';
import type { CryptoStream } from '../../api/v1alpha1/cryptostream.ts';
import { metaFor } from './child.ts';
import type { Child, Component } from './child.ts';
import { names } from './names.ts';

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
