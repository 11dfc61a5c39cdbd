import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { elect, LEASE_TIMING } from '../../../src/shell/operator/leader.ts';
import type { Election } from '../../../src/shell/operator/leader.ts';
import { LEASE } from '../../../src/shell/operator/resources.ts';
import { manualClock } from '../../support/manualClock.ts';
import { cluster, deleteNamespace, eventually, freshNamespace } from './cluster.ts';
import { faultyKube } from './faultyKube.ts';

const { kube } = cluster();
let ns = '';
const elections: Election[] = [];
before(async () => {
  ns = await freshNamespace(kube, 'leader');
});
after(async () => {
  await Promise.all(elections.map((e) => e.release()));
  await deleteNamespace(kube, ns);
});
const renewTime = async (name: string) =>
  (await kube.get<KubernetesObject & { spec: { renewTime: string } }>(LEASE, ns, name))?.spec.renewTime;

describe('leader election on a Lease', () => {
  const candidate = (identity: string) => {
    const e = elect({
      kube,
      namespace: ns,
      name: 'cryptostream-operator',
      identity,
      leaseDurationSeconds: 2,
      renewDeadlineSeconds: 1.5,
      retryPeriodSeconds: 0.5,
      onError: (err) => assert.fail(String(err)),
    });
    elections.push(e);
    return e;
  };

  it('lets exactly one of two replicas lead, and the other take over when it steps down', async () => {
    const a = candidate('replica-a');
    await a.acquired;
    const b = candidate('replica-b');
    await eventually(async () => renewTime('cryptostream-operator'), 'the lease is renewed');
    await eventually(() => b.joined(), 'the standby has read the Lease');
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

describe('the renew deadline (the real API server behind injected faults, a manual clock)', () => {
  /** A leader on a fresh Lease with client-go's timing, its kube, its clock, and when it lost the Lease. */
  const leading = async (name: string) => {
    const faulty = faultyKube(kube);
    const clock = manualClock(faulty.settled);
    const errors: unknown[] = [];
    const election = elect({
      kube: faulty,
      namespace: ns,
      name,
      identity: 'leader',
      ...LEASE_TIMING,
      clock,
      onError: (e) => void errors.push(e),
    });
    elections.push(election);
    const start = clock.now();
    let lostAt: number | undefined;
    void election.lost.then(() => (lostAt = clock.now() - start));
    await clock.advance(0);
    assert.equal(election.isLeader(), true);
    return { election, faulty, clock, errors, start, lostAt: () => lostAt };
  };
  const micro = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

  it('keeps leading while renewals fail for less than the deadline, and renews once the server answers', async () => {
    const { election, faulty, clock, errors, start, lostAt } = await leading('brief');
    faulty.inject('refused');
    await clock.advance(7_000); // renewals at 2, 4 and 6 s fail
    assert.equal(errors.length, 3);
    assert.equal(election.isLeader(), true);
    faulty.inject('none');
    await clock.advance(1_000); // the renewal at 8 s reaches the server
    assert.equal(await renewTime('brief'), micro(start + 8_000));
    faulty.inject('refused');
    await clock.advance(9_999); // the deadline now counts from 8 s
    assert.equal(election.isLeader(), true);
    assert.equal(lostAt(), undefined);
    await clock.advance(1);
    assert.equal(lostAt(), 18_000);
  });

  it('gives the Lease up when renewals have failed for the renew deadline', async () => {
    const { election, faulty, clock, lostAt } = await leading('refused');
    faulty.inject('refused');
    await clock.advance(9_999);
    assert.equal(election.isLeader(), true);
    await clock.advance(1);
    assert.equal(election.isLeader(), false);
    assert.equal(lostAt(), 10_000);
  });

  it('gives the Lease up at the deadline while a renewal hangs', async () => {
    const { election, faulty, clock, lostAt } = await leading('hang');
    faulty.inject('hang');
    await clock.advance(9_999); // the renewal sent at 2 s never answers
    assert.equal(election.isLeader(), true);
    await clock.advance(1);
    assert.equal(election.isLeader(), false);
    assert.equal(lostAt(), 10_000);
  });

  it('gives the Lease up at the next renewal when it names another holder', async () => {
    const { election, clock, lostAt } = await leading('usurped');
    const lease = await kube.get<KubernetesObject & { spec: Record<string, unknown> }>(LEASE, ns, 'usurped');
    await kube.replace({ ...lease!, spec: { ...lease!.spec, holderIdentity: 'another' } });
    await clock.advance(2_000);
    assert.equal(election.isLeader(), false);
    assert.equal(lostAt(), 2_000);
  });
});
