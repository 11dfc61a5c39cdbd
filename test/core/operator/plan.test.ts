import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindAndName, metaFor, selectorLabels } from '../../../src/core/operator/child.ts';
import { desiredState } from '../../../src/core/operator/desiredState.ts';
import type { Child } from '../../../src/core/operator/child.ts';
import { holds, immutableChanges, plan } from '../../../src/core/operator/plan.ts';
import { aCryptoStream, inputs } from './aCryptoStream.ts';

/** What the API server returns: the applied object plus defaults and bookkeeping of its own. */
const asServerReturns = <T extends object>(o: T): T => ({
  ...structuredClone(o),
  status: { observedGeneration: 1 },
  metadata: {
    ...structuredClone((o as { metadata: object }).metadata),
    resourceVersion: '42',
    uid: 'child-uid',
    generation: 1,
  },
});

describe('planning a reconcile', () => {
  const children = desiredState(aCryptoStream({ intervals: ['1m', '1h'] }), inputs);

  it('applies every child of a new stream', () => {
    assert.equal(plan(children, []).apply.length, children.length);
  });

  it('writes nothing once the cluster holds every desired child (server defaults added)', () => {
    assert.deepEqual(plan(children, children.map(asServerReturns)), { apply: [], replace: [], prune: [] });
  });

  it('prunes the workers and topics of a removed interval', () => {
    const { apply, prune } = plan(
      desiredState(aCryptoStream({ intervals: ['1m'] }), inputs),
      children.map(asServerReturns),
    );
    assert.deepEqual(
      apply.map(kindAndName),
      [
        'ConfigMap/demo-grafana-provisioning',
        'Deployment/demo-grafana',
        'Deployment/demo-producer',
        'Deployment/demo-consumer-1m',
      ],
      "the 1h stale-candles rule goes (Grafana's dashboards read the intervals from InfluxDB, its pipeline rules name them); the producer follows 1m only; the 1m consumer no longer derives 1h",
    );
    assert.deepEqual(prune.map(kindAndName), [
      'KafkaTopic/demo-prices-1h',
      'KafkaTopic/demo-prices-1h-dlq',
      'KafkaTopic/demo-alerts-1h',
      'Deployment/demo-consumer-1h',
      'HorizontalPodAutoscaler/demo-consumer-1h',
      'PodDisruptionBudget/demo-consumer-1h',
    ]);
  });

  it('re-applies only the children a spec change touches', () => {
    const moreSymbols = desiredState(
      aCryptoStream({ intervals: ['1m', '1h'], symbols: ['BTCUSDC', 'ETHUSDC', 'SOLUSDC'] }),
      inputs,
    );
    const { apply } = plan(moreSymbols, children.map(asServerReturns));
    // The autoscalers too: their maximum is capped at one replica per symbol. Grafana: its dashboards read
    // the symbols from InfluxDB, but the stale-candles rules watch every symbol of the spec.
    assert.deepEqual(apply.map(kindAndName), [
      'ConfigMap/demo-grafana-provisioning',
      'Deployment/demo-grafana',
      'Deployment/demo-producer',
      'HorizontalPodAutoscaler/demo-consumer-1m',
      'HorizontalPodAutoscaler/demo-consumer-1h',
    ]);
  });

  it('prunes the per-interval producers of an earlier version, and applies the one producer of every interval', () => {
    const cr = aCryptoStream({ intervals: ['1m', '1h'] });
    // What the operator made before issue 14: `<name>-producer-<interval>`, labelled with its interval.
    const earlier = (['1m', '1h'] as const).map((i) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metaFor(cr, `demo-producer-${i}`, 'producer', i),
      spec: { replicas: 1, selector: { matchLabels: selectorLabels(cr, 'producer', i) } },
    }));
    const current = children.filter((c) => kindAndName(c) !== 'Deployment/demo-producer');
    const { apply, replace, prune } = plan(children, [...current, ...earlier].map(asServerReturns));
    assert.deepEqual(apply.map(kindAndName), ['Deployment/demo-producer']);
    assert.deepEqual(replace, []);
    assert.deepEqual(prune.map(kindAndName), ['Deployment/demo-producer-1m', 'Deployment/demo-producer-1h']);
  });

  it("writes nothing when the server holds the stream's quantities in canonical form (1000m as 1, 1024Mi as 1Gi)", () => {
    const written = aCryptoStream({
      intervals: ['1m', '1h'],
      consumer: { resources: { limits: { cpu: '1000m', memory: '1024Mi' } } },
    });
    const canonical = aCryptoStream({
      intervals: ['1m', '1h'],
      consumer: { resources: { limits: { cpu: '1', memory: '1Gi' } } },
    });
    const live = desiredState(canonical, inputs).map(asServerReturns);
    assert.deepEqual(plan(desiredState(written, inputs), live).apply.map(kindAndName), []);
    const more = aCryptoStream({
      intervals: ['1m', '1h'],
      consumer: { resources: { limits: { cpu: '1500m', memory: '1024Mi' } } },
    });
    assert.deepEqual(plan(desiredState(more, inputs), live).apply.map(kindAndName), [
      'Deployment/demo-consumer-1m',
      'Deployment/demo-consumer-1h',
    ]);
  });

  it('recreates a deleted child', () => {
    const live = children
      .filter((c) => kindAndName(c) !== 'Deployment/demo-consumer-1m')
      .map(asServerReturns);
    assert.deepEqual(plan(children, live).apply.map(kindAndName), ['Deployment/demo-consumer-1m']);
  });

  it('reverts a field someone else changed', () => {
    const live = children
      .map(asServerReturns)
      .map((c) =>
        kindAndName(c) === 'HorizontalPodAutoscaler/demo-consumer-1m'
          ? { ...c, spec: { ...(c['spec'] as object), maxReplicas: 9 } }
          : c,
      );
    assert.deepEqual(plan(children, live).apply.map(kindAndName), [
      'HorizontalPodAutoscaler/demo-consumer-1m',
    ]);
  });
});

describe('planning a child whose changed field cannot change', () => {
  const children = desiredState(aCryptoStream(), inputs);
  const STATEFUL_SET = 'StatefulSet/demo-influxdb';
  type Spec = Record<string, unknown>;
  /** The cluster as it is, with the InfluxDB StatefulSet's spec edited (as an earlier operator version made it). */
  const liveWith = (edit: (spec: Spec) => Spec, extra: object = {}) =>
    children
      .map(asServerReturns)
      .map((c) => (kindAndName(c) === STATEFUL_SET ? { ...c, ...extra, spec: edit(c['spec'] as Spec) } : c));
  /** What the operator before the headless Service made: the ClusterIP Service governed the StatefulSet. */
  const governedByClusterIp = (spec: Spec) => ({ ...spec, serviceName: 'demo-influxdb' });

  it('replaces the StatefulSet of an earlier version, whose governing Service was the ClusterIP one', () => {
    const { apply, replace, prune } = plan(children, liveWith(governedByClusterIp));
    assert.deepEqual(
      apply.map(kindAndName),
      [],
      'applying it would be refused: spec.serviceName is immutable',
    );
    assert.deepEqual(
      replace.map((r) => [kindAndName(r.child), r.live.metadata?.uid, r.fields]),
      [[STATEFUL_SET, 'child-uid', ['spec.serviceName']]],
    );
    assert.deepEqual(prune, []);
    assert.equal((replace[0]!.child['spec'] as Spec)['serviceName'], 'demo-influxdb-headless');
  });

  it('replaces it for a changed selector or volume claim template, naming every such field', () => {
    const { replace } = plan(
      children,
      liveWith((spec) => ({
        ...spec,
        selector: { matchLabels: { app: 'influxdb' } },
        volumeClaimTemplates: [
          { metadata: { name: 'data' }, spec: { resources: { requests: { storage: '5Gi' } } } },
        ],
      })),
    );
    assert.deepEqual(
      replace.map((r) => r.fields),
      [['spec.selector', 'spec.volumeClaimTemplates']],
    );
  });

  it('applies, never replaces, for a change of the fields a StatefulSet may change (template, replicas, retention)', () => {
    const { apply, replace } = plan(
      children,
      liveWith((spec) => ({
        ...spec,
        replicas: 0,
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      })),
    );
    assert.deepEqual(apply.map(kindAndName), [STATEFUL_SET]);
    assert.deepEqual(replace, []);
  });

  it('sees the volume claim template the server returns with its defaults and canonical size as unchanged', () => {
    const served = liveWith((spec) => ({
      ...spec,
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: (spec['volumeClaimTemplates'] as { metadata: object }[])[0]!.metadata,
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '10240Mi' } },
            volumeMode: 'Filesystem',
          },
          status: { phase: 'Pending' },
        },
      ],
    }));
    assert.deepEqual(plan(children, served), { apply: [], replace: [], prune: [] });
  });

  it('waits while the old object is being deleted: neither applied over nor deleted again', () => {
    const terminating = liveWith(governedByClusterIp, {
      metadata: {
        name: 'demo-influxdb',
        namespace: 'markets',
        uid: 'child-uid',
        deletionTimestamp: '2026-12-01T10:00:00Z',
        finalizers: ['orphan'],
      },
    });
    assert.deepEqual(plan(children, terminating), { apply: [], replace: [], prune: [] });
  });

  it('creates it anew once the old object is gone', () => {
    const gone = children.map(asServerReturns).filter((c) => kindAndName(c) !== STATEFUL_SET);
    assert.deepEqual(plan(children, gone).apply.map(kindAndName), [STATEFUL_SET]);
  });

  it('knows no immutable field of the other kinds, and none of an object not yet created', () => {
    const deployment = children.find((c) => c.kind === 'Deployment')!;
    const other: Child = { ...deployment, spec: { selector: { matchLabels: { other: 'x' } } } };
    assert.deepEqual(immutableChanges(deployment, other), []);
    assert.deepEqual(
      immutableChanges(
        undefined,
        children.find((c) => c.kind === 'StatefulSet')!,
      ),
      [],
    );
  });
});

describe('whether a live object holds the wanted fields', () => {
  it('ignores fields only the live object has', () => {
    assert.equal(holds({ a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } }), true);
  });
  it('requires lists to match element by element', () => {
    assert.equal(holds({ l: [1, 2, 3] }, { l: [1, 2] }), false);
    assert.equal(holds({ l: [{ x: 1, y: 2 }] }, { l: [{ x: 1 }] }), true);
  });
  it('sees a missing object as not held', () => {
    assert.equal(holds(undefined, { a: 1 }), false);
  });
});
