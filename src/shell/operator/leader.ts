import type { KubernetesObject } from '@kubernetes/client-node';
import { systemClock } from '../observability/clock.ts';
import type { Clock } from '../observability/clock.ts';
import { ApiError } from './kube.ts';
import type { Kube } from './kube.ts';
import { LEASE } from './resources.ts';

type LeaseSpec = {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
};
type Lease = KubernetesObject & { spec?: LeaseSpec };

/** client-go's defaults: a standby waits 15 s for a silent leader, which gives up after 10 s without a renewal. */
export const LEASE_TIMING = { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 };

export type LeaderOptions = {
  readonly kube: Kube;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  /** How long a standby waits, after it last saw the Lease change, before it takes the Lease over. */
  readonly leaseDurationSeconds: number;
  /** How long the leader keeps leading while its renewals fail (less than the lease duration). */
  readonly renewDeadlineSeconds: number;
  /** How often the leader renews and a standby tries to acquire. */
  readonly retryPeriodSeconds: number;
  readonly clock?: Clock;
  readonly onError: (e: unknown) => void;
};

export type Election = {
  /** Resolves once this process holds the lease. */
  readonly acquired: Promise<void>;
  /** Resolves if the lease is lost after it was held (the process should then stop working). */
  readonly lost: Promise<void>;
  readonly isLeader: () => boolean;
  /** True once one round trip on the Lease succeeded: the API server answers and lets this identity in. */
  readonly joined: () => boolean;
  /** Stops renewing and hands the lease back so a standby takes over at its next try. */
  readonly release: () => Promise<void>;
};

const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
const conflict = (e: unknown) => e instanceof ApiError && e.status === 409;

/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it: the leader renews the Lease every
 * retry period; a standby takes it over once it has seen the same record unchanged for a whole lease duration
 * (measured on its own clock, so clocks need not agree), or at once when the leader released it. The leader
 * keeps leading while renewals fail for less than the renew deadline (counted from its last successful
 * renewal, even while a request hangs), then gives up, before any standby may take over; it gives up at once
 * when the Lease names another holder. Writes are optimistic (resourceVersion), so two candidates never both win.
 */
export const elect = (o: LeaderOptions): Election => {
  const clock = o.clock ?? systemClock;
  const deadlineMs = o.renewDeadlineSeconds * 1000;
  const retryMs = o.retryPeriodSeconds * 1000;
  let leader = false;
  let joined = false;
  let stopped = false;
  let renewed = 0; // when the last successful renewal started
  let observed: { record: string; at: number } | undefined;
  let onAcquired: () => void = () => undefined;
  let onLost: () => void = () => undefined;
  const acquired = new Promise<void>((resolve) => (onAcquired = resolve));
  const lost = new Promise<void>((resolve) => (onLost = resolve));
  const stopping = new AbortController();
  let attempt: Promise<void> = Promise.resolve();

  const spec = (previous: LeaseSpec | undefined, at: number): LeaseSpec => {
    const now = microTime(at);
    const takeover = previous?.holderIdentity !== o.identity;
    return {
      holderIdentity: o.identity,
      leaseDurationSeconds: o.leaseDurationSeconds,
      acquireTime: takeover ? now : (previous?.acquireTime ?? now),
      renewTime: now,
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (takeover && previous !== undefined ? 1 : 0),
    };
  };

  /** 'held': this identity holds the Lease now; 'other': another holder's Lease is still valid. */
  const tryOnce = async (at: number): Promise<'held' | 'other'> => {
    const lease = await o.kube.get<Lease>(LEASE, o.namespace, o.name);
    if (lease === undefined) {
      await o.kube.create<Lease>({
        apiVersion: LEASE.apiVersion,
        kind: 'Lease',
        metadata: { name: o.name, namespace: o.namespace },
        spec: spec(undefined, at),
      });
      return 'held';
    }
    joined = true;
    const record = JSON.stringify(lease.spec ?? {});
    if (observed?.record !== record) observed = { record, at: clock.now() };
    const holder = lease.spec?.holderIdentity ?? '';
    const duration = (lease.spec?.leaseDurationSeconds ?? o.leaseDurationSeconds) * 1000;
    const free = holder === '' || holder === o.identity || clock.now() - observed.at >= duration;
    if (!free) return 'other';
    await o.kube.replace<Lease>({ ...lease, spec: spec(lease.spec, at) });
    return 'held';
  };

  const lose = () => {
    leader = false;
    stopped = true;
    onLost();
  };

  /** What `work` resolves to, or 'late' when `ms` pass first (on the election's clock). */
  const within = async <T>(work: Promise<T>, ms: number): Promise<T | 'late'> => {
    const timer = new AbortController();
    try {
      return await Promise.race([work, clock.sleep(ms, timer.signal).then(() => 'late' as const)]);
    } finally {
      timer.abort();
    }
  };

  /** One try, cut off when the renew deadline passes (a candidate's try gets a whole renew deadline). */
  const round = async (): Promise<void> => {
    const at = clock.now();
    const budget = leader ? renewed + deadlineMs - at : deadlineMs;
    if (budget <= 0) return lose();
    let outcome: 'held' | 'other' | 'late' | 'failed';
    try {
      outcome = await within(tryOnce(at), budget);
    } catch (e) {
      if (!conflict(e)) o.onError(e);
      outcome = 'failed';
    }
    if (outcome === 'held') {
      joined = true;
      renewed = at;
      if (!leader) {
        leader = true;
        if (!stopped) onAcquired();
      }
    } else if (leader && (outcome === 'other' || clock.now() - renewed >= deadlineMs)) lose();
  };

  const loop = async () => {
    while (!stopped) {
      attempt = round();
      await attempt;
      if (stopped) return;
      // a failing leader checks again right at its deadline
      const wait = leader ? Math.min(retryMs, renewed + deadlineMs - clock.now()) : retryMs;
      await clock.sleep(wait, stopping.signal);
    }
  };
  void loop();

  /** Clears the holder (if it is still this process), so a standby takes the Lease at its next try. */
  const handBack = async (): Promise<void> => {
    for (let tries = 1; ; tries++) {
      const lease = await o.kube.get<Lease>(LEASE, o.namespace, o.name);
      if (lease?.spec?.holderIdentity !== o.identity) return;
      const spec = {
        ...lease.spec,
        holderIdentity: '',
        leaseDurationSeconds: 1,
        renewTime: microTime(clock.now()),
      };
      try {
        await o.kube.replace<Lease>({ ...lease, spec });
        return;
      } catch (e) {
        if (!conflict(e) || tries === 3) throw e;
      }
    }
  };

  return {
    acquired,
    lost,
    isLeader: () => leader,
    joined: () => joined,
    release: async () => {
      stopped = true;
      stopping.abort();
      await attempt; // a try in flight could still make this process the holder
      if (!leader) return;
      leader = false;
      if ((await within(handBack(), deadlineMs)) === 'late')
        throw new Error(`the API server did not answer within ${o.renewDeadlineSeconds} s`);
    },
  };
};
