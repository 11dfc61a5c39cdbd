import type { KubernetesObject } from '@kubernetes/client-node';
import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import { BUCKET_ENRICHED, BUCKET_RAW, names } from '../names.ts';
import { workloadHealth } from '../status/health.ts';
import type { Pod } from '../status/pods.ts';

/*
 * Grafana reads InfluxDB with a token of its own that may only read the stream's two buckets, never the
 * admin token the consumers write with. InfluxDB 2 picks every token's value itself (POST
 * /api/v2/authorizations ignores a `token` in the request; legacy v1 authorizations, whose names the
 * caller picks, are refused by /api/v2/query, which Grafana's Flux datasource uses), so the operator
 * cannot generate it ahead like the admin token: it asks InfluxDB for one once InfluxDB runs, and keeps
 * the value with the authorization's ID in the credentials Secret. The ID, not the value, identifies it
 * afterwards (InfluxDB 2.9 keeps only hashes of the values).
 */

/** The token Grafana got: its value and the ID of its authorization in InfluxDB. */
export type StoredToken = { readonly id: string; readonly token: string };

export type Permission = {
  readonly action: string;
  readonly resource: { readonly type: string; readonly id?: string; readonly orgID?: string };
};

/** An authorization as InfluxDB lists it (`GET /api/v2/authorizations`), as far as the decision needs it. */
export type Authorization = {
  readonly id: string;
  readonly description: string;
  readonly status: string;
  readonly permissions: readonly Permission[];
};

/** What the stream's InfluxDB holds: its org's ID, the IDs of the buckets by name, the authorizations. */
export type InfluxState = {
  readonly orgID: string;
  readonly buckets: Readonly<Record<string, string>>;
  readonly authorizations: readonly Authorization[];
};

/** The description that marks the authorization the operator made for the stream's Grafana. */
export const grafanaTokenDescription = (cr: CryptoStream): string =>
  `cryptostream ${cr.metadata.namespace}/${cr.metadata.name}: Grafana, read-only (made by the operator)`;

/**
 * Read on the raw and enriched buckets, by ID, and nothing else: enough for every query of the dashboards
 * and alert rules and for Grafana's datasource check (`buckets()` lists what the token may read), while
 * a write, a delete, a bucket created or removed is refused.
 */
export const grafanaPermissions = (orgID: string, raw: string, enriched: string): Permission[] =>
  [raw, enriched].map((id) => ({ action: 'read', resource: { type: 'buckets', id, orgID } }));

export type TokenStep =
  /** Nothing to ask InfluxDB yet (a bucket is missing): try again later. */
  | { readonly kind: 'wait'; readonly reason: string }
  /** The stored token is InfluxDB's and reads what it should; remove the other authorizations listed. */
  | { readonly kind: 'keep'; readonly remove: readonly string[] }
  /** Ask for a new authorization, store it, then remove the ones listed (the stale stored one among them). */
  | {
      readonly kind: 'create';
      readonly description: string;
      readonly orgID: string;
      readonly permissions: readonly Permission[];
      readonly remove: readonly string[];
    };

const permissionKey = (p: Permission): string =>
  [p.action, p.resource.type, p.resource.orgID ?? '', p.resource.id ?? ''].join('/');
const samePermissions = (a: readonly Permission[], b: readonly Permission[]): boolean => {
  const keys = (ps: readonly Permission[]) => [...new Set(ps.map(permissionKey))].sort().join(' ');
  return keys(a) === keys(b);
};

/**
 * What to do about Grafana's token, given the one stored in the Secret (if any) and what InfluxDB holds.
 * The stored token is kept while InfluxDB has its authorization, active, with exactly the wanted
 * permissions. Otherwise (none stored, a new volume under a kept Secret, a bucket made anew, a changed
 * permission set, a token deactivated) a new one replaces it. Other authorizations with the stream's
 * description are leftovers of an attempt whose value never reached the Secret: removed.
 */
export const grafanaTokenStep = (
  description: string,
  stored: StoredToken | undefined,
  influx: InfluxState,
): TokenStep => {
  const raw = influx.buckets[BUCKET_RAW];
  const enriched = influx.buckets[BUCKET_ENRICHED];
  if (raw === undefined || enriched === undefined)
    return {
      kind: 'wait',
      reason: `bucket ${raw === undefined ? BUCKET_RAW : BUCKET_ENRICHED} does not exist yet`,
    };
  const permissions = grafanaPermissions(influx.orgID, raw, enriched);
  const current = influx.authorizations.find((a) => a.id === stored?.id);
  const usable =
    current !== undefined && current.status === 'active' && samePermissions(current.permissions, permissions);
  const others = influx.authorizations
    .filter((a) => a.description === description && !(usable && a.id === current.id))
    .map((a) => a.id);
  // The stored authorization is the operator's even when its description was edited: removed when replaced.
  const stale = !usable && current !== undefined && !others.includes(current.id) ? [current.id] : [];
  if (usable) return { kind: 'keep', remove: others };
  return { kind: 'create', description, orgID: influx.orgID, permissions, remove: [...others, ...stale] };
};

/**
 * Whether the reconcile should look at Grafana's token in InfluxDB: Grafana runs, InfluxDB is ready, and
 * either no token is stored or the stored one was not yet checked against this InfluxDB pod (`instance`,
 * its uid: a new pod may run on a new volume, and the operator may have restarted meanwhile).
 */
export const grafanaTokenDue = (o: {
  readonly grafana: boolean;
  readonly influxdbReady: boolean;
  readonly stored: StoredToken | undefined;
  readonly checked: string | undefined;
  readonly instance: string;
}): boolean =>
  o.grafana && o.influxdbReady && (o.stored === undefined || o.checked !== checkKey(o.instance, o.stored));

/**
 * Whether the stream's InfluxDB is ready (its StatefulSet, as the `InfluxDB` condition sees it) and the uid of
 * its pod (empty when not seen), among the stream's live children and pods.
 */
export const influxdbInstance = (
  cr: CryptoStream,
  live: readonly KubernetesObject[],
): { readonly ready: boolean; readonly instance: string } => {
  const n = names(cr).influxdb;
  const ns = cr.metadata.namespace;
  const here = (o: KubernetesObject, kind: string, name: string) =>
    o.kind === kind && o.metadata?.name === name && o.metadata.namespace === ns;
  const pods = live.filter((o): o is Pod => o.kind === 'Pod');
  const statefulSet = live.find((o) => here(o, 'StatefulSet', n));
  return {
    ready: workloadHealth(statefulSet, `StatefulSet ${n}`, pods).ready,
    instance: pods.find((p) => here(p, 'Pod', `${n}-0`))?.metadata?.uid ?? '',
  };
};

/** What `grafanaTokenDue` compares: the InfluxDB pod the stored token was checked against, and the token. */
export const checkKey = (instance: string, stored: StoredToken): string => `${instance}/${stored.id}`;
