/**
 * Operator benchmark on the real API server of `npm run services:up` (not a test): `npm run bench:operator`.
 * 1. one CryptoStream (4 symbols × 5 intervals): time from apply to every child created;
 * 2. N CryptoStreams (default 100) applied at once: time until all have every child and a status;
 * 3. steady state: API writes per minute once converged (target: zero).
 * Figures go to docs/operator.md. BENCH_STREAMS and BENCH_STEADY_SECONDS change the sizes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { defaulted } from '../src/api/v1alpha1/defaults.ts';
import { desiredState } from '../src/core/operator/desiredState.ts';
import { CHILD_RESOURCES } from '../src/shell/operator/resources.ts';
import {
  aStream,
  cluster,
  deleteNamespace,
  eventually,
  freshNamespace,
  IMAGE,
  installCrd,
  runOperator,
} from '../test/shell/operator/cluster.ts';

const STREAMS = Number(process.env['BENCH_STREAMS'] ?? 100);
const STEADY_SECONDS = Number(process.env['BENCH_STEADY_SECONDS'] ?? 60);
const spec = {
  symbols: ['BTCUSDC', 'ETHUSDC', 'XRPUSDC', 'SOLUSDC'],
  intervals: ['1s', '1m', '15m', '1h', '1d'],
};

const { kc, kube } = cluster();
const childrenPerStream = desiredState(
  defaulted({
    apiVersion: 'cryptostream.io/v1alpha1',
    kind: 'CryptoStream',
    metadata: { name: 's', namespace: 'n' },
    spec,
  }),
  { image: IMAGE, credentials: { influxPassword: '', influxToken: '', grafanaPassword: '' } },
).length;

const countChildren = async (namespace: string): Promise<number> => {
  const lists = await Promise.all(
    CHILD_RESOURCES.map((r) => kube.list(r, namespace, 'app.kubernetes.io/managed-by=cryptostream-operator')),
  );
  return lists.reduce((n, l) => n + l.items.length, 0);
};

const seconds = (since: bigint): string => (Number(process.hrtime.bigint() - since) / 1e9).toFixed(2);

await installCrd(kube);

// 1. one stream
{
  const ns = await freshNamespace(kube, 'bench-one');
  const op = runOperator(kc, ns);
  await eventually(() => op.controller.synced(), 'caches synced');
  const t0 = process.hrtime.bigint();
  await kube.apply(aStream(ns, 'one', spec));
  await eventually(
    async () => (await countChildren(ns)) === childrenPerStream,
    'all children exist',
    120_000,
  );
  console.log(
    `one CryptoStream (${childrenPerStream} children): ${seconds(t0)} s from apply to all children created`,
  );
  await op.controller.stop();
  await deleteNamespace(kube, ns);
}

// 2. many streams, 3. steady state
{
  const ns = await freshNamespace(kube, 'bench-many');
  const op = runOperator(kc, ns);
  await eventually(() => op.controller.synced(), 'caches synced');
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: STREAMS }, (_, i) =>
      kube.apply(aStream(ns, `s${String(i).padStart(3, '0')}`, spec)),
    ),
  );
  const want = STREAMS * childrenPerStream;
  await eventually(async () => (await countChildren(ns)) === want, `all ${want} children exist`, 600_000);
  console.log(
    `${STREAMS} CryptoStreams (${want} children): ${seconds(t0)} s from apply to all children created`,
  );
  await op.controller.queue.idle();
  console.log(
    `${STREAMS} CryptoStreams: ${seconds(t0)} s until the queue is idle (statuses written), ${op.writes()} writes`,
  );
  // The controller manager keeps creating ReplicaSets and pods for a while, and every Deployment status
  // change is a real status change of its stream. Steady state starts once a 10 s window passes without writes.
  const settled = process.hrtime.bigint();
  for (let last = -1; last !== op.writes();) {
    last = op.writes();
    await sleep(10_000);
    await op.controller.queue.idle();
  }
  console.log(`children's status settled ${seconds(settled)} s later (${op.writes()} writes in all)`);
  const kinds = new Map<string, number>();
  op.controller.kube.onWrite((verb, o) =>
    kinds.set(`${verb} ${o.kind}`, (kinds.get(`${verb} ${o.kind}`) ?? 0) + 1),
  );
  const before = op.writes();
  await sleep(STEADY_SECONDS * 1000);
  await op.controller.queue.idle();
  const perMinute = ((op.writes() - before) * 60) / STEADY_SECONDS;
  console.log(
    `steady state over ${STEADY_SECONDS} s: ${perMinute} API writes per minute ${JSON.stringify(Object.fromEntries(kinds))}`,
  );
  await op.controller.stop();
  await deleteNamespace(kube, ns);
}
