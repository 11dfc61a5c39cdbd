import type { KubernetesObject } from '@kubernetes/client-node';
import * as R from 'ramda';
import { KIND } from '../../api/v1alpha1/cryptostream.ts';
import type { CryptoStream, CryptoStreamStatus } from '../../api/v1alpha1/cryptostream.ts';
import { defaulted } from '../../api/v1alpha1/defaults.ts';
import { kindAndName, STREAM_LABEL } from '../../core/operator/child.ts';
import type { Child } from '../../core/operator/child.ts';
import { desiredState } from '../../core/operator/desiredState.ts';
import { symbolPartitionsOf } from '../../core/operator/kafka/topics.ts';
import { names } from '../../core/operator/names.ts';
import { childKey, plan } from '../../core/operator/plan.ts';
import { nextStatus } from '../../core/operator/status/status.ts';
import type { Failure } from '../../core/operator/status/status.ts';
import { conflictMessage, isOwnedBy, nameConflicts } from '../../core/operator/ownership.ts';
import { isPaused, pausedStatus } from '../../core/operator/status/pause.ts';
import type { Credentials } from '../../core/operator/influxdb/credentials.ts';
import type { DefaultImages } from '../../core/operator/images.ts';
import { credentialsOf } from './credentials.ts';
import type { GrafanaTokens, TokenOutcome } from './grafanaToken.ts';
import type { Recorder } from './events.ts';
import type { Informer } from './informers.ts';
import type { Kube } from './kube.ts';
import type { Resource } from './resources.ts';
import { POD_MONITOR, resourceOf, SCALED_OBJECT } from './resources.ts';

export type ReconcileDeps = {
  readonly kube: Kube;
  readonly streams: Informer;
  readonly children: readonly Informer[];
  /** The pods of the stream's workloads (labelled like them), read only for the status. */
  readonly pods: Informer;
  readonly image: string;
  /** The InfluxDB and Grafana images of streams that name none (default: DEFAULT_IMAGES). */
  readonly defaultImages?: DefaultImages;
  /** Image pull secrets of the pods of streams whose spec.template names none (default: none). */
  readonly imagePullSecrets?: readonly string[];
  /** The namespace the operator runs in (in the cluster), admitted to InfluxDB for Grafana's token. */
  readonly operatorNamespace?: string;
  /** Grafana's read-only InfluxDB tokens, asked of each stream's InfluxDB (grafanaToken.ts). */
  readonly grafanaTokens: GrafanaTokens;
  readonly now: () => Date;
  readonly record: Recorder;
};

export type Outcome = {
  readonly applied: number;
  /** Children deleted (dependents orphaned) to be created anew: an immutable field of theirs changed. */
  readonly replaced: number;
  readonly pruned: number;
  readonly failed: number;
  readonly statusWritten: boolean;
};

const inputsOf = (deps: ReconcileDeps) => ({
  image: deps.image,
  ...(deps.defaultImages === undefined ? {} : { defaultImages: deps.defaultImages }),
  ...(deps.imagePullSecrets === undefined ? {} : { imagePullSecrets: deps.imagePullSecrets }),
  ...(deps.operatorNamespace === undefined ? {} : { operatorNamespace: deps.operatorNamespace }),
  // KEDA is there once the API listed its ScaledObjects (the informer retries until KEDA is installed).
  kedaInstalled: served(deps, SCALED_OBJECT),
  // Likewise the Prometheus Operator once its PodMonitors were listed: then every stream gets one.
  podMonitorInstalled: served(deps, POD_MONITOR),
});

/** The API listed the kind at least once (its informer retries until the CRD is installed). */
const served = (deps: ReconcileDeps, r: Resource): boolean =>
  deps.children.some(
    (i) => i.resource.apiVersion === r.apiVersion && i.resource.kind === r.kind && i.served(),
  );

/** Stands in for the credentials while their Secret's name is taken: that Secret is never written then. */
const UNUSED_CREDENTIALS: Credentials = { influxPassword: '', influxToken: '', grafanaPassword: '' };

/**
 * The queue key of a CryptoStream, of the CryptoStream that controls a child, and of the stream whose
 * workload runs a pod (a pod's owner is a ReplicaSet or StatefulSet; its stream label names the stream).
 */
export const streamKey = (o: KubernetesObject): string | undefined => {
  const namespace = o.metadata?.namespace ?? '';
  if (o.kind === KIND) return `${namespace}/${o.metadata?.name ?? ''}`;
  const stream = o.kind === 'Pod' ? o.metadata?.labels?.[STREAM_LABEL] : undefined;
  if (stream !== undefined) return `${namespace}/${stream}`;
  const owner = o.metadata?.ownerReferences?.find((r) => r.controller === true && r.kind === KIND);
  return owner === undefined ? undefined : `${namespace}/${owner.name}`;
};

/** Helm installs a CRD once and never upgrades it: an operator newer than the cluster's CRD says what to do. */
const OLD_CRD_HINT =
  'the CryptoStream CRD in this cluster is older than the operator: kubectl apply --server-side -f crds/ (Helm never upgrades CRDs)';

const writeStatus = async (kube: Kube, cr: CryptoStream, status: CryptoStreamStatus) => {
  try {
    return await kube.apply(
      {
        apiVersion: cr.apiVersion,
        kind: cr.kind,
        metadata: { name: cr.metadata.name, namespace: cr.metadata.namespace },
        status,
      } as KubernetesObject,
      { subresource: 'status' },
    );
  } catch (e) {
    const text = message(e);
    throw text.includes('field not declared in schema') ? new Error(`${text}; ${OLD_CRD_HINT}`) : e;
  }
};

const uidOf = (o: KubernetesObject) => (o.metadata?.uid === undefined ? {} : { uid: o.metadata.uid });
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * One reconcile of one CryptoStream: desired state (pure) against the cached children, apply what
 * differs, prune what is no longer desired, write the status only when it changed. Throws after writing
 * the status when a child could not be applied, so the queue retries with backoff.
 */
export const makeReconcile =
  (deps: ReconcileDeps) =>
  async (key: string): Promise<Outcome | undefined> => {
    const [namespace, name] = key.split('/') as [string, string];
    const raw = deps.streams.get(name, namespace) as CryptoStream | undefined;
    if (raw === undefined || raw.metadata.deletionTimestamp !== undefined) return undefined; // the GC removes the children
    const cr = defaulted(raw);
    if (isPaused(cr)) {
      const status = pausedStatus(cr, rfc3339(deps.now()));
      const statusWritten = !R.equals(status, raw.status ?? {});
      if (statusWritten) await writeStatus(deps.kube, cr, status);
      return { applied: 0, replaced: 0, pruned: 0, failed: 0, statusWritten };
    }
    // The symbols' partitions are kept before a producer publishes by them: were the write lost after the
    // producers got them, a symbol listed meanwhile could be placed elsewhere at the next reconcile.
    const symbolPartitions = symbolPartitionsOf(cr);
    if (!R.equals(symbolPartitions, raw.status?.symbolPartitions))
      await writeStatus(deps.kube, cr, { ...raw.status, symbolPartitions });
    const secretKey = childKey({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace, name: names(cr).credentials },
    });
    // The informers see only objects labelled as ours; among those, the stream's own (isOwnedBy).
    const observed = deps.children.flatMap((i) => i.list(namespace)).filter(isOwnedBy(cr));
    // A child about to be created whose name an object of someone else's takes (invisible to the informers,
    // or labelled and owned by another): never applied over, never adopted, reported as NameConflict.
    const observedKeys = new Set(observed.map(childKey));
    const toCreate = desiredState(cr, { ...inputsOf(deps), credentials: UNUSED_CREDENTIALS }).filter(
      (d) => !observedKeys.has(childKey(d)),
    );
    const holders = await Promise.all(
      toCreate.map((d) => deps.kube.get(resourceOf(d.apiVersion, d.kind), namespace, d.metadata.name)),
    );
    const conflicts = nameConflicts(
      cr,
      toCreate.map((d, i) => [d, holders[i]] as const),
    );
    const taken = new Set(conflicts.map((c) => childKey(c.child)));
    const token: TokenOutcome = taken.has(secretKey)
      ? { credentials: UNUSED_CREDENTIALS }
      : await deps.grafanaTokens.ensure(
          cr,
          await credentialsOf(
            deps.kube,
            cr,
            observed.find((o) => childKey(o) === secretKey),
          ),
          [...observed, ...deps.pods.list(namespace)],
        );
    const credentials = token.credentials;
    const desired = desiredState(cr, { ...inputsOf(deps), credentials }).filter(
      (d) => !taken.has(childKey(d)),
    );
    const { apply, replace, prune } = plan(desired, observed);

    const applied = await Promise.allSettled(apply.map((o) => deps.kube.apply(o)));
    // Only this object (its uid), its pods and volume claims orphaned; its deletion wakes the reconcile that
    // creates it anew, and the new one adopts them.
    const replaced = await Promise.allSettled(
      replace.map((r) => deps.kube.remove(r.live, { propagationPolicy: 'Orphan', ...uidOf(r.live) })),
    );
    const failures: Failure[] = [
      ...conflicts.map((c) => ({
        child: c.child,
        message: conflictMessage(c),
        reason: 'NameConflict' as const,
      })),
      ...applied.flatMap((r, i) =>
        r.status === 'rejected' ? [{ child: apply[i]!, message: message(r.reason) }] : [],
      ),
      ...replaced.flatMap((r, i) =>
        r.status === 'rejected'
          ? [{ child: replace[i]!.child, message: `not replaced: ${message(r.reason)}` }]
          : [],
      ),
    ];
    const fresh = applied.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const pruned = await Promise.allSettled(prune.map((o) => deps.kube.remove(o)));
    const pruneErrors = pruned.flatMap((r, i) =>
      r.status === 'rejected' ? [`${kindAndName(prune[i]!)}: ${message(r.reason)}`] : [],
    );

    const ok = (list: readonly Child[]) =>
      list.filter((c) => !failures.some((f) => f.child === c)).map(kindAndName);
    if (fresh.length > 0)
      await deps.record(cr, 'Normal', 'Applied', 'Apply', `applied ${ok(apply).join(', ')}`);
    for (const [i, r] of replace.entries())
      if (replaced[i]!.status === 'fulfilled')
        await deps.record(
          cr,
          'Normal',
          'Replaced',
          'Delete',
          `deleted ${kindAndName(r.child)}, orphaning its pods and volume claims, to create it anew: ${r.fields.join(', ')} cannot change`,
        );
    if (prune.length > pruneErrors.length)
      await deps.record(cr, 'Normal', 'Pruned', 'Delete', `deleted ${prune.map(kindAndName).join(', ')}`);
    for (const f of failures)
      await deps.record(
        cr,
        'Warning',
        f.reason ?? 'ApplyFailed',
        'Apply',
        `${kindAndName(f.child)}: ${f.message}`,
      );

    const freshKeys = new Set(fresh.map(childKey));
    const live = [...observed.filter((o) => !freshKeys.has(childKey(o))), ...fresh];
    const pods = deps.pods.list(namespace).filter((p) => p.metadata?.labels?.[STREAM_LABEL] === name);
    const status = nextStatus(cr, [...live, ...pods], failures, rfc3339(deps.now()));
    const statusWritten = !R.equals(status, raw.status ?? {});
    if (statusWritten) await writeStatus(deps.kube, cr, status);
    const tokenErrors = token.error === undefined ? [] : [token.error];
    if (failures.length > 0 || pruneErrors.length > 0 || tokenErrors.length > 0)
      throw new Error(
        [
          ...failures.map((f) => `${kindAndName(f.child)}: ${f.message}`),
          ...pruneErrors,
          ...tokenErrors,
        ].join('; '),
      );
    return {
      applied: apply.length,
      replaced: replace.length,
      pruned: prune.length,
      failed: 0,
      statusWritten,
    };
  };
