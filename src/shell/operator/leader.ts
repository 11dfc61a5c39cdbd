import type { KubernetesObject } from '@kubernetes/client-node';
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

export type LeaderOptions = {
  readonly kube: Kube;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationSeconds: number;
  readonly renewEverySeconds: number;
  readonly now: () => Date;
  readonly onError: (e: unknown) => void;
};

export type Election = {
  /** Resolves once this process holds the lease. */
  readonly acquired: Promise<void>;
  /** Resolves if the lease is lost after it was held (the process should then stop working). */
  readonly lost: Promise<void>;
  readonly isLeader: () => boolean;
  /** Stops renewing and hands the lease back so a standby takes over at once. */
  readonly release: () => Promise<void>;
};

const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it: the holder renews the lease; a
 * candidate takes it over once it has seen the same record unchanged for a whole lease duration (measured
 * on its own clock, so clocks need not agree). Writes are optimistic (resourceVersion), so two candidates
 * never both win.
 */
export const elect = (o: LeaderOptions): Election => {
  let leader = false;
  let stopped = false;
  let observed: { record: string; at: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let onAcquired: () => void = () => undefined;
  let onLost: () => void = () => undefined;
  const acquired = new Promise<void>((resolve) => (onAcquired = resolve));
  const lost = new Promise<void>((resolve) => (onLost = resolve));

  const spec = (previous: LeaseSpec | undefined): LeaseSpec => {
    const now = microTime(o.now());
    const takeover = previous?.holderIdentity !== o.identity;
    return {
      holderIdentity: o.identity,
      leaseDurationSeconds: o.leaseDurationSeconds,
      acquireTime: takeover ? now : (previous?.acquireTime ?? now),
      renewTime: now,
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (takeover && previous !== undefined ? 1 : 0),
    };
  };

  const tryOnce = async (): Promise<boolean> => {
    const lease = await o.kube.get<Lease>(LEASE, o.namespace, o.name);
    if (lease === undefined) {
      await o.kube.create<Lease>({
        apiVersion: LEASE.apiVersion,
        kind: 'Lease',
        metadata: { name: o.name, namespace: o.namespace },
        spec: spec(undefined),
      });
      return true;
    }
    const record = JSON.stringify(lease.spec ?? {});
    const nowMs = o.now().getTime();
    if (observed?.record !== record) observed = { record, at: nowMs };
    const holder = lease.spec?.holderIdentity ?? '';
    const duration = (lease.spec?.leaseDurationSeconds ?? o.leaseDurationSeconds) * 1000;
    const free = holder === '' || holder === o.identity || nowMs - observed.at >= duration;
    if (!free) return false;
    await o.kube.replace<Lease>({ ...lease, spec: spec(lease.spec) });
    return true;
  };

  const loop = async () => {
    if (stopped) return;
    let held = false;
    try {
      held = await tryOnce();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409)) o.onError(e);
    }
    if (held && !leader) {
      leader = true;
      onAcquired();
    } else if (!held && leader) {
      leader = false;
      onLost();
      return;
    }
    timer = setTimeout(() => void loop(), (leader ? o.renewEverySeconds : o.renewEverySeconds / 2) * 1000);
  };
  void loop();

  return {
    acquired,
    lost,
    isLeader: () => leader,
    release: async () => {
      stopped = true;
      clearTimeout(timer);
      if (!leader) return;
      leader = false;
      const lease = await o.kube.get<Lease>(LEASE, o.namespace, o.name);
      if (lease?.spec?.holderIdentity === o.identity)
        await o.kube.replace<Lease>({
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 },
        });
    },
  };
};
