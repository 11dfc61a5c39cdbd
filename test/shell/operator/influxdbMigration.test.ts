import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import type { CryptoStream } from '../../../src/api/v1alpha1/cryptostream.ts';
import { defaulted } from '../../../src/api/v1alpha1/defaults.ts';
import { kindAndName, selectorLabels } from '../../../src/core/operator/child.ts';
import { desiredState } from '../../../src/core/operator/desiredState.ts';
import { CRYPTOSTREAM, resourceOf } from '../../../src/shell/operator/resources.ts';
import {
  aStream,
  cluster,
  eventually,
  freshStreamNamespace,
  IMAGE,
  restartOperator,
  runOperator,
} from './cluster.ts';

type Obj = KubernetesObject & Record<string, unknown>;
const { kc, kube } = cluster();
const STATEFUL_SET = resourceOf('apps/v1', 'StatefulSet');
const SERVICE = resourceOf('v1', 'Service');
const POD = resourceOf('v1', 'Pod');
const claimPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/persistentvolumeclaims/${name}`;

const NAME = 'legacy';
const SET = `${NAME}-influxdb`;
const POD_NAME = `${SET}-0`;
const CLAIM_NAME = `data-${SET}-0`;

type StatefulSetSpec = {
  serviceName: string;
  volumeClaimTemplates: {
    metadata: { name: string };
    spec: { resources: { requests: { storage: string } } };
  }[];
};
const specOf = (o: Obj | undefined) => o?.['spec'] as StatefulSetSpec;
const ownersOf = (o: Obj | undefined): V1OwnerReference[] => o?.metadata?.ownerReferences ?? [];
const getClaim = async (ns: string): Promise<Obj | undefined> => {
  const r = await kube.request('GET', claimPath(ns, CLAIM_NAME));
  return r.status === 404 ? undefined : (r.body as Obj);
};

/**
 * The operator before the headless Service: its StatefulSet (the same, but governed by the ClusterIP Service
 * `<name>-influxdb`), and what the StatefulSet controller made of it, a pod and its volume claim, both owned by
 * the StatefulSet (the claim because of persistentVolumeClaimRetentionPolicy whenDeleted: Delete). No
 * StatefulSet controller runs on the test API server, so they are created here as it creates them.
 */
const previousVersionState = async (ns: string): Promise<{ set: Obj; pod: Obj; claim: Obj }> => {
  const cr = defaulted((await kube.get<CryptoStream>(CRYPTOSTREAM, ns, NAME))!);
  const credentials = { influxPassword: 'p', influxToken: 't', grafanaPassword: 'g' };
  const current = desiredState(cr, { image: IMAGE, credentials }).find(
    (c) => kindAndName(c) === `StatefulSet/${SET}`,
  )!;
  const set = await kube.apply<Obj>({
    ...current,
    spec: { ...(current['spec'] as object), serviceName: SET },
  });
  const ownedBySet = (controller: boolean): V1OwnerReference[] => [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      name: SET,
      uid: set.metadata!.uid!,
      blockOwnerDeletion: true,
      ...(controller ? { controller: true } : {}),
    },
  ];
  const labels = selectorLabels(cr, 'influxdb');
  // The operator's client knows only the kinds it manages: the claim goes through the plain request.
  const created = await kube.request('POST', `/api/v1/namespaces/${ns}/persistentvolumeclaims`, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: CLAIM_NAME, namespace: ns, labels, ownerReferences: ownedBySet(false) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const claim = created.body as Obj;
  const pod = await kube.create<Obj>({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: POD_NAME,
      namespace: ns,
      labels: { ...labels, 'statefulset.kubernetes.io/pod-name': POD_NAME },
      ownerReferences: ownedBySet(true),
    },
    spec: {
      hostname: POD_NAME,
      subdomain: SET,
      automountServiceAccountToken: false,
      containers: [{ name: 'influxdb', image: 'influxdb:2.7.12' }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: CLAIM_NAME } }],
    },
  } as Obj);
  return { set, pod, claim };
};

describe('a stream whose InfluxDB StatefulSet an earlier operator version made, on a real API server', () => {
  const f = freshStreamNamespace('migration');

  it('gets the headless governing Service: the StatefulSet is re-created, its pod and volume claim stay', async () => {
    await kube.apply(aStream(f.ns, NAME, { symbols: ['BTCUSDC'], intervals: ['1m'] }));
    const old = await previousVersionState(f.ns);
    assert.equal(specOf(old.set).serviceName, SET);

    f.op = runOperator(kc, f.ns);
    const set = await eventually(async () => {
      const s = await kube.get<Obj>(STATEFUL_SET, f.ns, SET);
      return s !== undefined && specOf(s).serviceName === `${SET}-headless` ? s : undefined;
    }, 'the StatefulSet is governed by the headless Service');
    assert.notEqual(
      set.metadata?.uid,
      old.set.metadata?.uid,
      'a new StatefulSet (spec.serviceName is immutable)',
    );

    const headless = await kube.get<Obj>(SERVICE, f.ns, `${SET}-headless`);
    assert.equal((headless?.['spec'] as { clusterIP: string }).clusterIP, 'None');
    const clients = await kube.get<Obj>(SERVICE, f.ns, SET);
    assert.notEqual(
      (clients?.['spec'] as { clusterIP: string }).clusterIP,
      'None',
      'consumers and Grafana keep theirs',
    );

    // The volume claim template is the same, so the new StatefulSet's pod 0 uses the same claim.
    assert.deepEqual(
      specOf(set).volumeClaimTemplates.map((t) => [t.metadata.name, t.spec.resources.requests.storage]),
      specOf(old.set).volumeClaimTemplates.map((t) => [t.metadata.name, t.spec.resources.requests.storage]),
    );

    // The old StatefulSet went with propagationPolicy Orphan: the garbage collector took its owner reference
    // off the pod and the claim (a Background or Foreground deletion would have deleted both).
    const orphaned = (o: Obj | undefined) =>
      o !== undefined &&
      o.metadata?.deletionTimestamp === undefined &&
      !ownersOf(o).some((r) => r.uid === old.set.metadata?.uid);
    const pod = await eventually(async () => {
      const p = await kube.get<Obj>(POD, f.ns, POD_NAME);
      return orphaned(p) ? p : undefined;
    }, 'the pod is orphaned, not deleted');
    const claim = await eventually(async () => {
      const c = await getClaim(f.ns);
      return orphaned(c) ? c : undefined;
    }, 'the volume claim is orphaned, not deleted');
    assert.equal(pod?.metadata?.uid, old.pod.metadata?.uid);
    assert.equal(claim?.metadata?.uid, old.claim.metadata?.uid);

    const events = await kube.request('GET', `/apis/events.k8s.io/v1/namespaces/${f.ns}/events`);
    const replaced = (events.body as { items: { reason: string; note: string }[] }).items.filter(
      (e) => e.reason === 'Replaced',
    );
    assert.deepEqual(
      replaced.map((e) => e.note),
      [
        `deleted StatefulSet/${SET}, orphaning its pods and volume claims, to create it anew: spec.serviceName cannot change`,
      ],
    );
  });

  it('then leaves it alone: no further replacement once converged', async () => {
    const set = await kube.get<Obj>(STATEFUL_SET, f.ns, SET);
    await restartOperator(kc, f);
    assert.equal((await kube.get<Obj>(STATEFUL_SET, f.ns, SET))?.metadata?.uid, set?.metadata?.uid);
    assert.ok(await kube.get<Obj>(POD, f.ns, POD_NAME));
    assert.ok(await getClaim(f.ns));
  });
});
