import type { KubernetesObject } from '@kubernetes/client-node';
import type { Child } from './child.ts';
import { sameQuantity } from './quantity.ts';

/** Identity of an object inside one namespace: API group, kind and name (versions of one group are one object). */
export const childKey = (o: KubernetesObject): string => {
  const apiVersion = o.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return `${group}/${o.kind ?? ''}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
};

/** Fields whose values are resource quantities (container resources, volume claim sizes). */
const QUANTITY_FIELDS = new Set(['cpu', 'memory', 'storage', 'ephemeral-storage']);

/**
 * Whether the live object already holds every field the operator wants: server defaults and other
 * managers' fields may be added, nothing wanted may differ. Lists must match element by element; the
 * quantities of QUANTITY_FIELDS are compared by value, as the server canonicalizes their text.
 */
export const holds = (live: unknown, wanted: unknown, key?: string): boolean => {
  if (wanted === live) return true;
  if (key !== undefined && QUANTITY_FIELDS.has(key) && typeof wanted === 'string' && typeof live === 'string')
    return sameQuantity(live, wanted);
  if (Array.isArray(wanted))
    return Array.isArray(live) && live.length === wanted.length && wanted.every((w, i) => holds(live[i], w));
  if (typeof wanted === 'object' && wanted !== null) {
    if (typeof live !== 'object' || live === null || Array.isArray(live)) return false;
    const l = live as Record<string, unknown>;
    return Object.entries(wanted).every(([k, w]) => w === undefined || holds(l[k], w, k));
  }
  return false;
};

export type Plan = {
  /** Desired objects missing or different in the cluster: server-side apply them. */
  readonly apply: Child[];
  /** Observed children no longer desired: delete them. */
  readonly prune: KubernetesObject[];
};

/**
 * Compares desired children with the observed ones (those labelled and owned by the stream). After
 * convergence both lists are empty: the reconcile writes nothing.
 */
export const plan = (desired: readonly Child[], observed: readonly KubernetesObject[]): Plan => {
  const live = new Map(observed.map((o) => [childKey(o), o]));
  const wanted = new Set(desired.map(childKey));
  return {
    apply: desired.filter((d) => !holds(live.get(childKey(d)), d)),
    prune: observed.filter((o) => !wanted.has(childKey(o))),
  };
};
