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

/** `helm uninstall` of the release and deletion of the namespaces (best effort, in a test's clean-up). */
export const removeOperator = async (
  c: NodeCluster,
  release: string,
  operatorNamespace: string,
  namespaces: readonly string[],
): Promise<void> => {
  const { helm, kubectl } = tools(c);
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

/** The candles a stream backfilled from BACKFILL_FROM stores for a market: all the test server has from then. */
export const expectedFor = (binance: BinanceServer, symbol: string, interval: Interval) =>
  expectedPoints(
    binance
      .candles(symbol, interval)
      .filter((k) => k.openTime >= BACKFILL_FROM)
      .map((k) => ({ ...k, symbol, interval })),
  );

export const expectedCount = (binance: BinanceServer, interval: Interval): number =>
  SYMBOLS.reduce((sum, s) => sum + expectedFor(binance, s, interval).raw.length, 0);

/** Waits until every expected point is stored, then compares raw and enriched points exactly. */
export const assertStreamExact = async (run: Run, binance: BinanceServer): Promise<void> => {
  for (const interval of INTERVALS) {
    const want = expectedCount(binance, interval);
    await until(
      async () => (await countStored(run, interval, 'enriched')) >= want || undefined,
      `${want} enriched ${interval} points are stored`,
      300_000,
      2_000,
    );
    for (const symbol of SYMBOLS) {
      const expected = expectedFor(binance, symbol, interval);
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
