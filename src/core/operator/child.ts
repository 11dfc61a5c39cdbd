import type { KubernetesObject, V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../../api/v1alpha1/cryptostream.ts';
import type { CryptoStream } from '../../api/v1alpha1/cryptostream.ts';
import type { Interval } from '../kline/interval.ts';

/**
 * A child object as the operator applies it, in wire form (JSON field names): kind, name and namespace
 * always set, any other top-level field (spec, data, ...) as the kind defines it.
 */
export type Child = KubernetesObject & {
  readonly [field: string]: unknown;
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: V1ObjectMeta & { readonly name: string; readonly namespace: string };
};

/** The field manager of every server-side apply, and the `app.kubernetes.io/managed-by` label. */
export const MANAGER = 'cryptostream-operator';

export const STREAM_LABEL = 'cryptostream.io/stream';
export const INTERVAL_LABEL = 'cryptostream.io/interval';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

export type Component =
  | 'kafka'
  | 'topic'
  | 'influxdb'
  | 'grafana'
  | 'producer'
  | 'consumer'
  | 'credentials'
  | 'network-policy'
  | 'workers';

/** Labels a selector can rely on: they never change for the life of the child. */
export const selectorLabels = (
  cr: CryptoStream,
  component: Component,
  interval?: Interval,
): Record<string, string> => ({
  'app.kubernetes.io/name': 'cryptostream',
  'app.kubernetes.io/instance': cr.metadata.name,
  [COMPONENT_LABEL]: component,
  [STREAM_LABEL]: cr.metadata.name,
  ...(interval === undefined ? {} : { [INTERVAL_LABEL]: interval }),
});

/** A NetworkPolicy peer: every pod of one component of the stream, whatever its interval. */
export const podsOf = (cr: CryptoStream, component: Component) => ({
  podSelector: { matchLabels: { [COMPONENT_LABEL]: component, [STREAM_LABEL]: cr.metadata.name } },
});

export const labelsFor = (
  cr: CryptoStream,
  component: Component,
  interval?: Interval,
): Record<string, string> => ({
  ...selectorLabels(cr, component, interval),
  'app.kubernetes.io/part-of': 'cryptostream',
  [MANAGED_BY_LABEL]: MANAGER,
});

/** The label selector that finds every child of a stream (prune lists children with it). */
export const childSelector = (streamName: string): string =>
  `${STREAM_LABEL}=${streamName},${MANAGED_BY_LABEL}=${MANAGER}`;

/** Controller owner reference: the garbage collector deletes children with their CryptoStream. */
export const ownerOf = (cr: CryptoStream): V1OwnerReference => ({
  apiVersion: API_VERSION,
  kind: KIND,
  name: cr.metadata.name,
  uid: cr.metadata.uid ?? '',
  controller: true,
  blockOwnerDeletion: true,
});

export const metaFor = (
  cr: CryptoStream,
  name: string,
  component: Component,
  interval?: Interval,
): Child['metadata'] => ({
  name,
  namespace: cr.metadata.namespace,
  labels: labelsFor(cr, component, interval),
  ownerReferences: [ownerOf(cr)],
});

/** `Kind/name`, the identity of a child inside one namespace. */
export const kindAndName = (o: { kind?: string; metadata?: { name?: string } }): string =>
  `${o.kind ?? ''}/${o.metadata?.name ?? ''}`;
