/**
 * Cluster benchmark on the one-node cluster of `npm run cluster:up` (not a test): `npm run bench:cluster`.
 * The operator is installed with Helm; then the stream of the cluster tests (4 symbols, 15m and 1h, the Binance
 * test server, the cluster's Kafka) is applied with kubectl, twice:
 * - cold: the page cache dropped just before (`/proc/sys/vm/drop_caches`), so images, binaries and data are read
 *   from disk again, as on a node that has not run them lately;
 * - warm: the same stream applied again right after the cold one was deleted.
 * Each run measures the time from `kubectl apply` to the Ready condition and to the first enriched point in the
 * stream's InfluxDB, then, once every point is stored, the resident memory of each pod (cgroup v1
 * `memory.stat` total_rss of the pod's cgroup on this node, all its containers). Figures go to docs/cluster.md.
 */
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { countStored } from '../test/shell/pipeline/harness.ts';
import { startBinanceServer } from '../test/support/binanceServer.ts';
import { nodeCluster, tools, until } from '../test/support/cluster.ts';
import {
  childNames,
  expectedCount,
  installOperator,
  removeOperator,
  restrictedNamespace,
  streamInflux,
  streamManifest,
  uniqueName,
  waitReady,
} from '../test/cluster/stream.ts';

const c = nodeCluster();
const { kubectl, apply, getJson } = tools(c);

type Pod = { metadata: { name: string; uid: string; labels?: Record<string, string> } };

/** total_rss of a pod's memory cgroup (every QoS class has its folder under /kubepods). */
const podRssMb = (uid: string): number | undefined => {
  const base = '/sys/fs/cgroup/memory/kubepods';
  const dirs = [`${base}/pod${uid}`, ...['burstable', 'besteffort'].map((q) => `${base}/${q}/pod${uid}`)];
  for (const dir of dirs) {
    try {
      const stat = readFileSync(`${dir}/memory.stat`, 'utf8');
      const rss = /^total_rss (\d+)$/m.exec(stat);
      if (rss) return Math.round(Number(rss[1]) / 2 ** 20);
    } catch {
      // not this QoS class
    }
  }
  return undefined;
};

type RunFigures = { readyS: number; firstEnrichedS: number; allStoredS: number; rss: Record<string, number> };

const enrichedCount = async (run: Parameters<typeof countStored>[0]): Promise<number> =>
  (await countStored(run, '15m', 'enriched')) + (await countStored(run, '1h', 'enriched'));

const runOnce = async (ns: string, name: string, cold: boolean): Promise<RunFigures> => {
  if (cold) {
    execSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
  }
  const t0 = Date.now();
  await apply([streamManifest(c, server, ns, name)]);
  // Ready and the stored points are watched at the same time: the consumers store before Ready is seen.
  const ready = waitReady(c, ns, name, 600_000, 250).then(() => (Date.now() - t0) / 1000);
  const stored = (async () => {
    const pod = `${childNames(ns, name).influxdb}-0`;
    await until(
      async () => (await kubectl('-n', ns, 'get', 'pod', pod, '-o', 'name')) !== '',
      'the InfluxDB pod exists',
      600_000,
      250,
    );
    await kubectl('-n', ns, 'wait', `pod/${pod}`, '--for=condition=Ready', '--timeout=600s');
    const { run, forward } = await streamInflux(c, ns, name);
    try {
      await until(
        async () => ((await enrichedCount(run)) > 0 ? true : undefined),
        'a first enriched point',
        600_000,
        100,
      );
      const first = (Date.now() - t0) / 1000;
      await until(
        async () => ((await enrichedCount(run)) >= want ? true : undefined),
        'every enriched point',
        600_000,
        250,
      );
      return { first, all: (Date.now() - t0) / 1000 };
    } finally {
      await forward.stop();
    }
  })();
  const [readyS, { first: firstEnrichedS, all: allStoredS }] = await Promise.all([ready, stored]);
  await sleep(5_000);
  const pods = (await getJson<{ items: Pod[] }>('pods', '-n', ns)).items;
  const rss: Record<string, number> = {};
  for (const p of pods) {
    const component = p.metadata.labels?.['app.kubernetes.io/component'] ?? p.metadata.name;
    const interval = p.metadata.labels?.['cryptostream.io/interval'];
    rss[interval === undefined ? component : `${component} ${interval}`] = podRssMb(p.metadata.uid) ?? NaN;
  }
  return { readyS, firstEnrichedS, allStoredS, rss };
};

const server = await startBinanceServer({ host: c.hostAddress });
const want = expectedCount(server, '15m') + expectedCount(server, '1h');
const operatorNs = uniqueName('bench-operator');
const ns = uniqueName('bench-stream');
const release = uniqueName('cryptostream');
try {
  await restrictedNamespace(c, operatorNs);
  await restrictedNamespace(c, ns);
  await installOperator(c, release, operatorNs, ns);
  const operatorPod = (await getJson<{ items: Pod[] }>('pods', '-n', operatorNs)).items[0]!;
  const results: [string, RunFigures][] = [];
  for (const [label, cold] of [
    ['cold', true],
    ['warm', false],
  ] as const) {
    const name = uniqueName('bench');
    results.push([label, await runOnce(ns, name, cold)]);
    await kubectl('-n', ns, 'delete', 'cryptostream', name, '--wait=true', '--timeout=180s');
    await until(
      async () => ((await getJson<{ items: Pod[] }>('pods', '-n', ns)).items.length === 0 ? true : undefined),
      'the stream is gone',
      180_000,
    );
  }
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
  );
  console.log(`| run | apply → Ready | apply → first enriched point | apply → all ${want} points enriched |`);
  console.log('|---|---|---|---|');
  for (const [label, r] of results)
    console.log(
      `| ${label} | ${r.readyS.toFixed(1)} s | ${r.firstEnrichedS.toFixed(1)} s | ${r.allStoredS.toFixed(1)} s |`,
    );
  console.log('\nRSS per pod (MB, cgroup total_rss once every point is stored):');
  const names = [...new Set(results.flatMap(([, r]) => Object.keys(r.rss)))].sort();
  console.log(`| pod | ${results.map(([l]) => l).join(' | ')} |`);
  console.log(`|---|${results.map(() => '---').join('|')}|`);
  for (const n of names) console.log(`| ${n} | ${results.map(([, r]) => r.rss[n] ?? '-').join(' | ')} |`);
  console.log(`| operator | ${podRssMb(operatorPod.metadata.uid) ?? '-'} (after both runs) |`);
} finally {
  await server.close();
  await removeOperator(c, release, operatorNs, [ns]);
}
