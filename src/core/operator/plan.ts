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

/**
 * The spec fields the API server refuses to change once the object exists, by `group/Kind`. A StatefulSet's spec
 * may change only in replicas, ordinals, template, updateStrategy, revisionHistoryLimit,
 * persistentVolumeClaimRetentionPolicy and minReadySeconds (ValidateStatefulSetUpdate); of the rest, these are
 * the fields the operator sets or may set.
 */
const IMMUTABLE_SPEC: Readonly<Record<string, readonly string[]>> = {
  'apps/StatefulSet': ['serviceName', 'selector', 'volumeClaimTemplates', 'podManagementPolicy'],
};

const groupKind = (o: KubernetesObject): string =>
  `${(o.apiVersion ?? '').split('/').at(-2) ?? ''}/${o.kind ?? ''}`;

/** The fields (`spec.serviceName`, ...) in which `live` differs from `wanted` and that can never change. */
export const immutableChanges = (live: KubernetesObject | undefined, wanted: Child): string[] => {
  if (live === undefined) return [];
  const liveSpec = (live as { spec?: Record<string, unknown> }).spec ?? {};
  const wantedSpec = (wanted['spec'] ?? {}) as Record<string, unknown>;
  return (IMMUTABLE_SPEC[groupKind(wanted)] ?? [])
    .filter((f) => wantedSpec[f] !== undefined && !holds(liveSpec[f], wantedSpec[f], f))
    .map((f) => `spec.${f}`);
};

/** A child that can reach its desired state only by being deleted and created anew. */
export type Replacement = {
  readonly child: Child;
  /** The object in the cluster, to delete (by its uid). */
  readonly live: KubernetesObject;
  /** What differs and cannot change, e.g. `spec.serviceName`. */
  readonly fields: readonly string[];
};

export type Plan = {
  /** Desired objects missing or different in the cluster: server-side apply them. */
  readonly apply: Child[];
  /**
   * Children that differ in a field that cannot change: delete the live object orphaning its dependents (a
   * StatefulSet's pods and volume claims stay and run on), and apply the child once the object is gone (the next
   * reconcile, woken by its deletion). One already being deleted is left to finish: in neither list.
   */
  readonly replace: Replacement[];
  /** Observed children no longer desired: delete them. */
  readonly prune: KubernetesObject[];
};

/**
 * Compares desired children with the observed ones (those labelled and owned by the stream). After
 * convergence every list is empty: the reconcile writes nothing.
 */
export const plan = (desired: readonly Child[], observed: readonly KubernetesObject[]): Plan => {
  const live = new Map(observed.map((o) => [childKey(o), o]));
  const wanted = new Set(desired.map(childKey));
  const changed = desired
    .filter((d) => !holds(live.get(childKey(d)), d))
    .map((child) => {
      const l = live.get(childKey(child));
      return { child, live: l, fields: immutableChanges(l, child) };
    });
  return {
    apply: changed.filter((c) => c.fields.length === 0).map((c) => c.child),
    replace: changed.flatMap(({ child, live: l, fields }) =>
      fields.length > 0 && l !== undefined && l.metadata?.deletionTimestamp === undefined
        ? [{ child, live: l, fields }]
        : [],
    ),
    prune: observed.filter((o) => !wanted.has(childKey(o))),
  };
};
