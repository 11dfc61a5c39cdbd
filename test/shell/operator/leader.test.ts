import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { elect } from '../../../src/shell/operator/leader.ts';
import type { Election } from '../../../src/shell/operator/leader.ts';
import { LEASE } from '../../../src/shell/operator/resources.ts';
import { cluster, deleteNamespace, eventually, freshNamespace } from './cluster.ts';

const { kube } = cluster();

describe('leader election on a Lease', () => {
  let ns = '';
  const candidates: Election[] = [];
  const candidate = (identity: string) => {
    const e = elect({
      kube,
      namespace: ns,
      name: 'cryptostream-operator',
      identity,
      leaseDurationSeconds: 2,
      renewEverySeconds: 0.5,
      now: () => new Date(),
      onError: (err) => assert.fail(String(err)),
    });
    candidates.push(e);
    return e;
  };
  before(async () => {
    ns = await freshNamespace(kube, 'leader');
  });
  after(async () => {
    await Promise.all(candidates.map((c) => c.release()));
    await deleteNamespace(kube, ns);
  });

  it('lets exactly one of two replicas lead, and the other take over when it steps down', async () => {
    const a = candidate('replica-a');
    await a.acquired;
    const b = candidate('replica-b');
    await eventually(
      async () =>
        (
          await kube.get<KubernetesObject & { spec: { renewTime: string } }>(
            LEASE,
            ns,
            'cryptostream-operator',
          )
        )?.spec.renewTime,
      'the lease is renewed',
    );
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    await a.release();
    await b.acquired;
    const lease = await kube.get<
      KubernetesObject & { spec: { holderIdentity: string; leaseTransitions: number } }
    >(LEASE, ns, 'cryptostream-operator');
    assert.equal(lease?.spec.holderIdentity, 'replica-b');
    assert.equal(lease?.spec.leaseTransitions, 1);
  });
});
