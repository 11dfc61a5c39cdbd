import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  checkKey,
  grafanaPermissions,
  grafanaTokenDescription,
  grafanaTokenDue,
  grafanaTokenStep,
  influxdbInstance,
} from '../../../../src/core/operator/influxdb/grafanaToken.ts';
import type { Authorization, InfluxState } from '../../../../src/core/operator/influxdb/grafanaToken.ts';
import { aCryptoStream } from '../aCryptoStream.ts';

const ORG = 'org1';
const RAW = 'raw1';
const ENRICHED = 'enr1';
const cr = aCryptoStream();
const description = grafanaTokenDescription(cr);
const wanted = grafanaPermissions(ORG, RAW, ENRICHED);
const influx = (
  authorizations: Authorization[],
  buckets = { marketdata_raw: RAW, marketdata_enriched: ENRICHED },
): InfluxState => ({
  orgID: ORG,
  buckets,
  authorizations,
});
const auth = (id: string, over: Partial<Authorization> = {}): Authorization => ({
  id,
  description,
  status: 'active',
  permissions: wanted,
  ...over,
});
const admin: Authorization = {
  id: 'admin',
  description: "admin's Token",
  status: 'active',
  permissions: [
    { action: 'read', resource: { type: 'buckets' } },
    { action: 'write', resource: { type: 'buckets' } },
  ],
};

describe("Grafana's InfluxDB token", () => {
  it('may read the raw and enriched buckets of the org, by ID, and nothing else', () => {
    assert.deepEqual(wanted, [
      { action: 'read', resource: { type: 'buckets', id: RAW, orgID: ORG } },
      { action: 'read', resource: { type: 'buckets', id: ENRICHED, orgID: ORG } },
    ]);
    assert.ok(wanted.every((p) => p.action === 'read'));
  });

  it('names the stream in the description that marks it as the operator’s', () => {
    assert.equal(description, 'cryptostream markets/demo: Grafana, read-only (made by the operator)');
  });

  it('is made when none is stored', () => {
    assert.deepEqual(grafanaTokenStep(description, undefined, influx([admin])), {
      kind: 'create',
      description,
      orgID: ORG,
      permissions: wanted,
      remove: [],
    });
  });

  it('waits while a bucket does not exist yet', () => {
    assert.deepEqual(grafanaTokenStep(description, undefined, influx([], { marketdata_raw: RAW } as never)), {
      kind: 'wait',
      reason: 'bucket marketdata_enriched does not exist yet',
    });
  });

  it('is kept while InfluxDB has it, active, with the wanted permissions in any order', () => {
    const stored = { id: 'a1', token: 't1' };
    const listed = auth('a1', { permissions: [...wanted].reverse() });
    assert.deepEqual(grafanaTokenStep(description, stored, influx([admin, listed])), {
      kind: 'keep',
      remove: [],
    });
  });

  it('removes leftovers: authorizations of the stream whose value never reached the Secret', () => {
    const stored = { id: 'a1', token: 't1' };
    assert.deepEqual(grafanaTokenStep(description, stored, influx([auth('a0'), auth('a1'), auth('a2')])), {
      kind: 'keep',
      remove: ['a0', 'a2'],
    });
    const none = grafanaTokenStep(description, undefined, influx([auth('a0')]));
    assert.equal(none.kind, 'create');
    assert.deepEqual(none.kind === 'create' && none.remove, ['a0']);
  });

  it('is made anew over a new volume, where the stored authorization does not exist', () => {
    const step = grafanaTokenStep(description, { id: 'gone', token: 't' }, influx([admin]));
    assert.equal(step.kind, 'create');
    assert.deepEqual(step.kind === 'create' && step.remove, []);
  });

  it('is replaced when a bucket was made anew (another ID), or the token was deactivated', () => {
    const stored = { id: 'a1', token: 't1' };
    const oldBucket = auth('a1', { permissions: grafanaPermissions(ORG, 'old-raw', ENRICHED) });
    const replaced = grafanaTokenStep(description, stored, influx([oldBucket]));
    assert.equal(replaced.kind, 'create');
    assert.deepEqual(replaced.kind === 'create' && replaced.remove, ['a1']);
    const inactive = grafanaTokenStep(description, stored, influx([auth('a1', { status: 'inactive' })]));
    assert.deepEqual(inactive.kind === 'create' && inactive.remove, ['a1']);
  });

  it('replaces the stored authorization even when its description was edited', () => {
    const stored = { id: 'a1', token: 't1' };
    const edited = auth('a1', { description: 'renamed', permissions: [...wanted, admin.permissions[1]!] });
    const step = grafanaTokenStep(description, stored, influx([edited]));
    assert.deepEqual(step.kind === 'create' && step.remove, ['a1']);
  });

  it('asks InfluxDB only when Grafana runs, InfluxDB is ready, and the stored token was not checked against this pod', () => {
    const stored = { id: 'a1', token: 't1' };
    const base = { grafana: true, influxdbReady: true, stored, checked: undefined, instance: 'pod-1' };
    assert.equal(grafanaTokenDue(base), true, 'not checked yet (e.g. after an operator restart)');
    assert.equal(grafanaTokenDue({ ...base, checked: checkKey('pod-1', stored) }), false);
    assert.equal(
      grafanaTokenDue({ ...base, checked: checkKey('pod-0', stored) }),
      true,
      'a new InfluxDB pod',
    );
    assert.equal(grafanaTokenDue({ ...base, stored: undefined, checked: 'x' }), true, 'none stored');
    assert.equal(grafanaTokenDue({ ...base, influxdbReady: false }), false);
    assert.equal(grafanaTokenDue({ ...base, grafana: false }), false);
  });

  it("finds whether InfluxDB is ready, and its pod, among the stream's children and pods", () => {
    const sts = (status: Record<string, number>): KubernetesObject =>
      ({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'demo-influxdb', namespace: 'markets', generation: 2 },
        spec: { replicas: 1 },
        status,
      }) as KubernetesObject;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'demo-influxdb-0', namespace: 'markets', uid: 'uid-pod' },
    };
    const ready = sts({ observedGeneration: 2, readyReplicas: 1, updatedReplicas: 1 });
    assert.deepEqual(influxdbInstance(cr, [ready, pod]), { ready: true, instance: 'uid-pod' });
    assert.deepEqual(influxdbInstance(cr, [sts({ observedGeneration: 2 }), pod]), {
      ready: false,
      instance: 'uid-pod',
    });
    assert.deepEqual(influxdbInstance(cr, []), { ready: false, instance: '' });
  });
});
