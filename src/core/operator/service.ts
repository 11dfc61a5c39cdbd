import type { V1Service } from '@kubernetes/client-node';
import type { CryptoStream } from '../../api/v1alpha1/cryptostream.ts';
import { metaFor, selectorLabels } from './child.ts';
import type { Child, Component } from './child.ts';

/**
 * The Service of a component's pods on their `http` port: ClusterIP, or NodePort on `nodePort` when the
 * stream sets one. `headless`: the governing Service of a StatefulSet (`clusterIP: None`, never a NodePort).
 */
export const httpService = (
  cr: CryptoStream,
  name: string,
  component: Component,
  port: number,
  o: { readonly nodePort?: number | undefined; readonly headless?: boolean } = {},
): Child & V1Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: metaFor(cr, name, component),
  spec: {
    ...(o.headless === true
      ? { clusterIP: 'None' }
      : { type: o.nodePort === undefined ? 'ClusterIP' : 'NodePort' }),
    selector: selectorLabels(cr, component),
    ports: [
      {
        name: 'http',
        port,
        targetPort: 'http',
        protocol: 'TCP',
        ...(o.nodePort === undefined || o.headless === true ? {} : { nodePort: o.nodePort }),
      },
    ],
  },
});
