import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindAndName } from '../../../src/core/operator/child.ts';
import { desiredState } from '../../../src/core/operator/desiredState.ts';
import { holds, plan } from '../../../src/core/operator/plan.ts';
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
    assert.deepEqual(plan(children, children.map(asServerReturns)), { apply: [], prune: [] });
  });

  it('prunes the workers and topics of a removed interval', () => {
    const { apply, prune } = plan(
      desiredState(aCryptoStream({ intervals: ['1m'] }), inputs),
      children.map(asServerReturns),
    );
    assert.deepEqual(
      apply.map(kindAndName),
      ['ConfigMap/demo-grafana-dashboards', 'Deployment/demo-grafana', 'Deployment/demo-consumer-1m'],
      'the interval picker shrinks (Grafana rolls onto the new dashboards); the 1m consumer no longer derives 1h',
    );
    assert.deepEqual(prune.map(kindAndName), [
      'KafkaTopic/demo-prices-1h',
      'KafkaTopic/demo-prices-1h-dlq',
      'Deployment/demo-producer-1h',
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
    assert.deepEqual(apply.map(kindAndName), [
      'ConfigMap/demo-grafana-dashboards',
      'Deployment/demo-grafana',
      'Deployment/demo-producer-1m',
      'Deployment/demo-producer-1h',
    ]);
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
