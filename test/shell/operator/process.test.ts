import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { LEASE, resourceOf } from '../../../src/shell/operator/resources.ts';
import { freePort } from '../../support/ports.ts';
import { startApiProxy } from './apiProxy.ts';
import { aStream, cluster, deleteNamespace, eventually, freshNamespace, installCrd } from './cluster.ts';

const { kube, services } = cluster();
const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'cryptostream.js');

type Operator = {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly get: (path: string) => Promise<Response>;
};

/** The operator's Lease in `namespace`, as the API server has it. */
const lease = (namespace: string) =>
  kube.get<KubernetesObject & { spec: { holderIdentity?: string; renewTime?: string } }>(
    LEASE,
    namespace,
    'cryptostream-operator',
  );
const holder = async (namespace: string): Promise<string | undefined> =>
  (await lease(namespace))?.spec.holderIdentity;
/** The Lease's renewTime, in ms since the epoch (undefined when it has none). */
const renewTime = async (namespace: string): Promise<number | undefined> => {
  const at = (await lease(namespace))?.spec.renewTime;
  return at === undefined ? undefined : Date.parse(at);
};
const leaderGauge = async (op: Operator): Promise<string | undefined> =>
  /^cryptostream_operator_leader (\d)$/m.exec(await (await op.get('/metrics')).text())?.[1];
/** The exit code, or a failure when the process still runs `ms` later (a hung test would say nothing). */
const exitCode = async (op: Operator, ms = 15_000): Promise<number | null> => {
  const timer = new AbortController();
  const late = sleep(ms, undefined, { signal: timer.signal }).then(() => {
    throw new Error(`the operator still runs ${ms} ms later`);
  });
  try {
    return await Promise.race([op.exited, late]);
  } finally {
    timer.abort();
    late.catch(() => undefined);
  }
};
const consumerOf = (namespace: string, stream: string) =>
  kube.get(resourceOf('apps/v1', 'Deployment'), namespace, `${stream}-consumer-1m`);

describe('`cryptostream operator` as processes (the built CLI)', () => {
  const namespaces: string[] = [];
  const operators: Operator[] = [];
  /** Starts `cryptostream operator` for one namespace (its Lease there too) against the test API server. */
  const operator = async (
    namespace: string,
    identity: string,
    flags: readonly string[] = [],
    kubeconfig = services.kube.kubeconfig,
  ): Promise<Operator> => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        bin,
        'operator',
        '--namespace',
        namespace,
        '--lease-namespace',
        namespace,
        '--identity',
        identity,
        '--http-port',
        String(port),
        '--http-host',
        '127.0.0.1',
        '--log-level',
        'warn',
        ...flags,
      ],
      {
        env: { ...process.env, KUBECONFIG: kubeconfig },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const exited = once(child, 'exit').then(([code]) => code as number | null);
    const op = { child, exited, get: (path: string) => fetch(`http://127.0.0.1:${port}${path}`) };
    operators.push(op);
    return op;
  };
  const namespace = async (prefix: string) => {
    const ns = await freshNamespace(kube, prefix);
    namespaces.push(ns);
    return ns;
  };
  before(async () => installCrd(kube));
  after(async () => {
    for (const op of operators) if (op.child.exitCode === null) op.child.kill('SIGKILL');
    await Promise.all(namespaces.map((ns) => deleteNamespace(kube, ns)));
  });

  it('takes the Lease, reconciles, serves its endpoints, and hands the Lease back on SIGTERM', async () => {
    const ns = await namespace('process');
    const op = await operator(ns, 'process-test');
    try {
      await kube.apply(aStream(ns, 'proc', { symbols: ['BTCUSDC'] }));
      await eventually(async () => consumerOf(ns, 'proc'), 'the operator created the consumer');
      await eventually(async () => (await op.get('/readyz')).status === 200, '/readyz answers 200');
      assert.equal(await leaderGauge(op), '1');
      assert.equal(await holder(ns), 'process-test');
    } finally {
      op.child.kill('SIGTERM');
    }
    assert.equal(await exitCode(op), 0);
    assert.equal((await holder(ns)) ?? '', '');
  });

  it('keeps a standby ready, which takes over within a retry period of the leader’s SIGTERM and reconciles', async () => {
    const ns = await namespace('handover');
    // client-go's 2 s retry period; a lease of 60 s, so no takeover can come from the Lease expiring
    const timing = ['--lease-duration', '60', '--renew-deadline', '20', '--retry-period', '2'];
    const a = await operator(ns, 'replica-a', timing);
    await eventually(async () => (await holder(ns)) === 'replica-a', 'replica-a leads');
    const b = await operator(ns, 'replica-b', timing);
    await eventually(async () => (await a.get('/readyz')).status === 200, 'the leader is ready');
    await eventually(async () => (await b.get('/readyz')).status === 200, 'the standby is ready too');
    assert.equal(await holder(ns), 'replica-a');
    assert.equal(await leaderGauge(a), '1');
    assert.equal(await leaderGauge(b), '0');
    await kube.apply(aStream(ns, 'before', { symbols: ['BTCUSDC'] }));
    await eventually(async () => consumerOf(ns, 'before'), 'the leader reconciles');

    const sigterm = Date.now();
    a.child.kill('SIGTERM');
    await eventually(async () => (await holder(ns)) === 'replica-b', 'replica-b holds the Lease');
    const handover = Date.now() - sigterm;
    assert.equal(await exitCode(a), 0);
    assert.ok(handover < 3 * 2_000, `the standby took the Lease ${handover} ms after the leader's SIGTERM`);

    await kube.apply(aStream(ns, 'after', { symbols: ['ETHUSDC'] }));
    await eventually(async () => consumerOf(ns, 'after'), 'the new leader reconciles a stream created after');
    assert.equal(await leaderGauge(b), '1');
    await eventually(async () => (await b.get('/readyz')).status === 200, 'the new leader is ready');
    b.child.kill('SIGTERM');
    assert.equal(await exitCode(b), 0);
    assert.equal((await holder(ns)) ?? '', '');
  });

  it('stops leading when it cannot renew for the renew deadline, before the Lease expires, and exits 1', async () => {
    const ns = await namespace('cut-off');
    const proxy = await startApiProxy(services.kube.kubeconfig, services.kube.apiUrl);
    try {
      const timing = ['--lease-duration', '8', '--renew-deadline', '3', '--retry-period', '0.5'];
      const op = await operator(ns, 'cut-off', timing, proxy.kubeconfig);
      await eventually(async () => (await holder(ns)) === 'cut-off', 'it leads');
      await eventually(async () => (await op.get('/readyz')).status === 200, 'it is ready');
      // The cut comes right after a renewal seen in the Lease (the next one is a retry period, 0.5 s, later),
      // so that renewal is the last one the operator made, and its deadlines count from its renewTime.
      const before = await renewTime(ns);
      const last = await eventually(async () => {
        const t = await renewTime(ns);
        return t !== before ? t : undefined;
      }, 'it renews the Lease');
      proxy.cut();
      assert.equal(await exitCode(op), 1);
      const stopped = Date.now() - last;
      process.stderr.write(`# exited ${stopped} ms after its last renewal\n`);
      assert.ok(
        stopped >= 3_000,
        `it exited ${stopped} ms after its last renewal, before its renew deadline (3 s)`,
      );
      assert.ok(
        stopped < 8_000,
        `it exited ${stopped} ms after its last renewal, after the Lease expired (8 s): a standby could take over`,
      );
    } finally {
      await proxy.close();
    }
  });
});
