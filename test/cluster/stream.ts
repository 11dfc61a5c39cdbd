/**
 * What the cluster tests share: the operator installed with Helm from `charts/cryptostream` and the locally
 * built image, a CryptoStream applied with kubectl against the Binance test server on the node address and the
 * cluster's Kafka, and the stream's own InfluxDB read through `kubectl port-forward`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Interval } from '../../src/core/kline/interval.ts';
import { BUCKET_ENRICHED, BUCKET_RAW, names } from '../../src/core/operator/names.ts';
import type { CryptoStream } from '../../src/api/v1alpha1/cryptostream.ts';
import type { BinanceServer } from '../support/binanceServer.ts';
import { portForward, splitImage, tools, until } from '../support/cluster.ts';
import type { NodeCluster, PortForward } from '../support/cluster.ts';
import { asRow, countStored, expectedPoints, storedPoints, SYMBOLS } from '../shell/pipeline/harness.ts';
import type { Run } from '../shell/pipeline/harness.ts';

export const CHART = join(import.meta.dirname, '..', '..', 'charts', 'cryptostream');
export const BACKFILL_FROM = Date.UTC(2024, 8, 16);
export const INTERVALS = ['15m', '1h'] as const satisfies readonly Interval[];

/** Every Pod Security `restricted` label on a namespace. */
export const RESTRICTED = 'pod-security.kubernetes.io/enforce=restricted';

export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 6)}`;

/** A namespace that enforces the `restricted` Pod Security Standard. */
export const restrictedNamespace = async (c: NodeCluster, name: string): Promise<void> => {
  const { kubectl } = tools(c);
  await kubectl('create', 'namespace', name);
  await kubectl('label', 'namespace', name, RESTRICTED);
};

/** `helm install` of the chart with the node's image; waits for the operator Deployment (`--wait`). */
export const installOperator = async (
  c: NodeCluster,
  release: string,
  namespace: string,
  watchNamespace: string,
  extra: readonly string[] = [],
): Promise<void> => {
  const { repository, tag } = splitImage(c.image);
  // Helm installs a chart's CRDs only where none exists and never upgrades them: apply the chart's own first,
  // as docs/operator.md tells users to before an upgrade, so a cluster that outlived an older CRD tests this one.
  await tools(c).kubectl(
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=cryptostream-tests',
    '-f',
    join(CHART, 'crds'),
  );
  await tools(c).helm(
    'install',
    release,
    CHART,
    '--namespace',
    namespace,
    '--set',
    `image.repository=${repository}`,
    '--set',
    `image.tag=${tag}`,
    '--set',
    'image.pullPolicy=Never',
    '--set',
    `watchNamespace=${watchNamespace}`,
    '--wait',
    '--timeout',
    '5m',
    ...extra,
  );
};

type ContainerStatus = { name: string; restartCount: number; state?: Record<string, unknown> };

/**
 * Writes to stderr the last log lines of every container in the namespaces that restarted (its previous run)
 * or is waiting to restart: a failed test's clean-up deletes the namespace, and with it the only record of why
 * a pod crashed.
 */
const reportRestartedContainers = async (c: NodeCluster, namespaces: readonly string[]) => {
  const { getJson, kubectl } = tools(c);
  for (const namespace of namespaces) {
    const pods = await getJson<{
      items: { metadata: { name: string }; status: { containerStatuses?: ContainerStatus[] } }[];
    }>('pods', '-n', namespace).catch(() => ({ items: [] }));
    for (const pod of pods.items)
      for (const s of pod.status.containerStatuses ?? []) {
        if (s.restartCount === 0) continue;
        const lines = await kubectl(
          'logs',
          '-n',
          namespace,
          pod.metadata.name,
          '-c',
          s.name,
          '--previous',
          '--tail=40',
        ).catch((e: unknown) => String(e));
        process.stderr.write(
          `--- ${namespace}/${pod.metadata.name} container ${s.name}: ${s.restartCount} restarts, ` +
            `now ${JSON.stringify(s.state)}; its previous run's last lines:\n${lines}\n`,
        );
      }
  }
};

/**
 * `helm uninstall` of the release and deletion of the namespaces (best effort, in a test's clean-up), after
 * reporting the containers there that restarted (`reportRestartedContainers`).
 */
export const removeOperator = async (
  c: NodeCluster,
  release: string,
  operatorNamespace: string,
  namespaces: readonly string[],
): Promise<void> => {
  const { helm, kubectl } = tools(c);
  await reportRestartedContainers(c, [...new Set([...namespaces, operatorNamespace])]);
  await helm('uninstall', release, '--namespace', operatorNamespace, '--wait').catch(() => undefined);
  const all = [...new Set([...namespaces, operatorNamespace])];
  await kubectl('delete', 'namespace', ...all, '--wait=false').catch(() => undefined);
};

/** The stream the cluster tests run: 4 symbols, 15m and 1h, from the Binance test server, external Kafka. */
export const streamManifest = (
  c: NodeCluster,
  binance: BinanceServer,
  namespace: string,
  name: string,
  overrides: Record<string, unknown> = {},
) => ({
  apiVersion: 'cryptostream.io/v1alpha1',
  kind: 'CryptoStream',
  metadata: { name, namespace },
  spec: {
    symbols: [...SYMBOLS],
    intervals: [...INTERVALS],
    binance: { baseUrl: binance.url, backfillFrom: new Date(BACKFILL_FROM).toISOString() },
    kafka: { external: { bootstrapServers: c.kafkaBootstrap }, partitions: 4 },
    // The recorded candles are from 2024: older than any finite retention, which InfluxDB refuses to store.
    influxdb: { image: c.influxdbImage, storage: '256Mi', retentionDays: 0 },
    grafana: { enabled: false },
    ...overrides,
  },
});

/** What the cluster tests read of a pod. */
export type Pod = {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { containers: { image: string; env?: { name: string; value?: string }[] }[] };
  status: { phase: string; conditions?: { type: string; status: string }[] };
};

/** The pods of a namespace (matching a label selector, if given). */
export const podsIn = async (c: NodeCluster, namespace: string, selector?: string): Promise<Pod[]> =>
  (
    await tools(c).getJson<{ items: Pod[] }>(
      'pods',
      '-n',
      namespace,
      ...(selector === undefined ? [] : ['-l', selector]),
    )
  ).items;

export const isReady = (p: Pod): boolean =>
  p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;

type Condition = { type: string; status: string; reason?: string; message?: string };

export const conditionsOf = async (c: NodeCluster, namespace: string, name: string): Promise<Condition[]> =>
  (await tools(c).getJson<{ status?: { conditions?: Condition[] } }>('cryptostream', '-n', namespace, name))
    .status?.conditions ?? [];

export const waitReady = (
  c: NodeCluster,
  namespace: string,
  name: string,
  timeoutMs = 300_000,
  everyMs = 1_000,
) =>
  until(
    async () => {
      const ready = (await conditionsOf(c, namespace, name)).find((x) => x.type === 'Ready');
      return ready?.status === 'True' ? ready : undefined;
    },
    `CryptoStream ${namespace}/${name} is Ready`,
    timeoutMs,
    everyMs,
  );

/** The stream as the core names its children (only `metadata.name` and `namespace` matter to `names`). */
export const childNames = (namespace: string, name: string) =>
  names({ metadata: { name, namespace } } as CryptoStream);

/** The stream's InfluxDB through `kubectl port-forward` to its Service, with the stream's token. */
export const streamInflux = async (
  c: NodeCluster,
  namespace: string,
  name: string,
): Promise<{ run: Run; forward: PortForward }> => {
  const n = childNames(namespace, name);
  const secret = await tools(c).getJson<{ data: Record<string, string> }>(
    'secret',
    '-n',
    namespace,
    n.credentials,
  );
  const token = Buffer.from(secret.data['influxdb-token'] ?? '', 'base64').toString('utf8');
  assert.ok(token !== '', `the stream's Secret ${n.credentials} has an InfluxDB token`);
  const forward = await portForward(c, namespace, `service/${n.influxdb}`, 8086);
  const run: Run = {
    id: name,
    prefix: '',
    group: '',
    raw: BUCKET_RAW,
    enriched: BUCKET_ENRICHED,
    endpoints: {
      kafka: { brokers: [c.kafkaBootstrap] },
      influx: { url: `http://127.0.0.1:${forward.port}`, token, org: 'cryptostream' },
    },
  };
  return { run, forward };
};

/** Waits for the stream's first enriched points of an interval (polling every `everyMs`); returns their count. */
export const firstStored = async (
  c: NodeCluster,
  namespace: string,
  name: string,
  interval: Interval,
  timeoutMs: number,
  everyMs: number,
): Promise<number> => {
  const { run, forward } = await streamInflux(c, namespace, name);
  try {
    return await until(
      async () => {
        const count = await countStored(run, interval, 'enriched');
        return count > 0 ? count : undefined;
      },
      `the first ${interval} points are stored`,
      timeoutMs,
      everyMs,
    );
  } finally {
    await forward.stop();
  }
};

/** The markets a test stream covers and the first open time it stores (what the test server has from then). */
export type Markets = {
  readonly symbols: readonly string[];
  readonly intervals: readonly Interval[];
  readonly from: number;
};
/** The cluster tests' stream of `streamManifest`: 4 symbols, 15m and 1h, backfilled from BACKFILL_FROM. */
export const MAJORS: Markets = { symbols: SYMBOLS, intervals: INTERVALS, from: BACKFILL_FROM };

/** The points a stream stores for a market: every candle the test server has from `markets.from` on. */
export const expectedFor = (binance: BinanceServer, symbol: string, interval: Interval, markets = MAJORS) =>
  expectedPoints(
    binance
      .candles(symbol, interval)
      .filter((k) => k.openTime >= markets.from)
      .map((k) => ({ ...k, symbol, interval })),
  );

export const expectedCount = (binance: BinanceServer, interval: Interval, markets = MAJORS): number =>
  markets.symbols.reduce((sum, s) => sum + expectedFor(binance, s, interval, markets).raw.length, 0);

/** Waits until every expected point is stored, then compares raw and enriched points exactly. */
export const assertStreamExact = async (
  run: Run,
  binance: BinanceServer,
  markets = MAJORS,
): Promise<void> => {
  for (const interval of markets.intervals) {
    const want = expectedCount(binance, interval, markets);
    await until(
      async () => (await countStored(run, interval, 'enriched')) >= want || undefined,
      `${want} enriched ${interval} points are stored`,
      300_000,
      2_000,
    );
    for (const symbol of markets.symbols) {
      const expected = expectedFor(binance, symbol, interval, markets);
      assert.deepEqual(
        await storedPoints(run, symbol, interval, 'raw'),
        expected.raw.map(asRow),
        `${symbol} ${interval} raw`,
      );
      assert.deepEqual(
        await storedPoints(run, symbol, interval, 'enriched'),
        expected.enriched.map(asRow),
        `${symbol} ${interval} enriched`,
      );
    }
  }
};
