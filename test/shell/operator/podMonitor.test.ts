/**
 * The PodMonitor of a stream (src/core/operator/monitoring/podMonitor.ts) on the real API server, validated
 * by the Prometheus Operator's own CRD (`npm run services:up` installs it; installed here too when the API
 * server was started before it did). Where the cluster does not serve PodMonitors the operator makes none,
 * and says nothing wrong: that cluster is this API server with the operator's PodMonitor list redirected
 * to a group it does not serve, so the operator meets the real API server's 404.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { pino } from 'pino';
import { startController } from '../../../src/shell/operator/controller.ts';
import type { Controller } from '../../../src/shell/operator/controller.ts';
import { makeKube } from '../../../src/shell/operator/kube.ts';
import type { Kube } from '../../../src/shell/operator/kube.ts';
import { makeMetrics } from '../../../src/shell/operator/metrics.ts';
import { CRYPTOSTREAM, POD_MONITOR, resourceOf } from '../../../src/shell/operator/resources.ts';
import {
  aStream,
  cluster,
  deleteNamespace,
  eventually,
  freshNamespace,
  IMAGE,
  installCrd,
} from './cluster.ts';

type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const { kc, kube } = cluster();
const DEPLOYMENT = resourceOf('apps/v1', 'Deployment');

const CRD_NAME = 'podmonitors.monitoring.coreos.com';
const version = (): string => {
  const env = readFileSync(join(import.meta.dirname, '..', '..', '..', 'scripts', 'versions.env'), 'utf8');
  const v = /^PROMETHEUS_OPERATOR_VERSION=(.+)$/m.exec(env)?.[1];
  assert.ok(v, 'scripts/versions.env pins PROMETHEUS_OPERATOR_VERSION');
  return v;
};

/** The PodMonitor CRD as services:up applies it (the cached copy from the Go module proxy). */
const installPodMonitorCrd = async (): Promise<void> => {
  const served = async () =>
    (await kube.request('GET', '/apis/monitoring.coreos.com/v1/podmonitors')).status === 200;
  if (await served()) return;
  const cache = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  const file = join(cache, 'prometheus-operator-crds', version(), 'monitoring.coreos.com_podmonitors.yaml');
  const res = await kube.request(
    'PATCH',
    `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}?fieldManager=services-up&force=true`,
    parse(readFileSync(file, 'utf8')),
    'application/apply-patch+yaml',
  );
  assert.ok(res.status < 300, `the PodMonitor CRD is applied (${file}; npm run services:up fetches it)`);
  await eventually(served, 'PodMonitors are served');
};

/** The API server as a cluster without the Prometheus Operator: listing PodMonitors answers its real 404. */
const withoutPodMonitors = (k: Kube): Kube => ({
  ...k,
  list: ((res, namespace, selector) =>
    k.list(
      res.plural === POD_MONITOR.plural ? { ...res, apiVersion: 'monitoring.coreos.com.unserved/v1' } : res,
      namespace,
      selector,
    )) as Kube['list'],
});

const start = (namespace: string, client: Kube): Controller =>
  startController({
    kc,
    kube: client,
    namespace,
    image: IMAGE,
    identity: 'test',
    concurrency: 4,
    resyncMs: 3_600_000,
    log: pino({ level: 'silent' }),
    metrics: makeMetrics(),
  });

const podMonitor = (ns: string, name: string) => kube.get<Obj>(POD_MONITOR, ns, name);
const reconciled = (ns: string, name: string) =>
  eventually(async () => {
    const s = await kube.get<Obj>(CRYPTOSTREAM, ns, name);
    return s?.status?.['observedGeneration'] === 1 && s;
  }, `${name} is reconciled`);

describe('the PodMonitor of a stream, on a real API server', () => {
  const namespaces: string[] = [];
  const controllers: Controller[] = [];
  before(async () => {
    await installCrd(kube);
    await installPodMonitorCrd();
  });
  after(async () => {
    await Promise.all(controllers.map((c) => c.stop()));
    await Promise.all(namespaces.map((ns) => deleteNamespace(kube, ns)));
  });

  it("is created where PodMonitors are served: the stream's producer and consumer pods, port http, /metrics", async () => {
    const ns = await freshNamespace(kube, 'podmonitor');
    namespaces.push(ns);
    controllers.push(start(ns, makeKube(kc)));
    await kube.apply(aStream(ns, 'mon', { symbols: ['BTCUSDC'], intervals: ['1m', '1h'] }));
    const pm = await eventually(() => podMonitor(ns, 'mon-workers'), 'the PodMonitor exists');
    assert.deepEqual(pm.spec, {
      selector: {
        matchLabels: { 'cryptostream.io/stream': 'mon' },
        matchExpressions: [
          { key: 'app.kubernetes.io/component', operator: 'In', values: ['producer', 'consumer'] },
        ],
      },
      podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
    });
    assert.equal(pm.metadata?.ownerReferences?.[0]?.name, 'mon', 'deleted with its stream');
    // The selector matches the pods of the workers, whose container names its port http.
    for (const name of ['mon-producer', 'mon-consumer-1m', 'mon-consumer-1h']) {
      const d = await kube.get<Obj>(DEPLOYMENT, ns, name);
      const template = d!.spec!['template'] as {
        metadata: { labels: Record<string, string> };
        spec: { containers: { ports: { name: string }[] }[] };
      };
      assert.equal(template.metadata.labels['cryptostream.io/stream'], 'mon', name);
      assert.ok(
        ['producer', 'consumer'].includes(template.metadata.labels['app.kubernetes.io/component']!),
        name,
      );
      assert.ok(
        template.spec.containers[0]!.ports.some((p) => p.name === 'http'),
        name,
      );
    }
    const grafana = await kube.get<Obj>(DEPLOYMENT, ns, 'mon-grafana');
    assert.equal(
      (grafana!.spec!['template'] as { metadata: { labels: Record<string, string> } }).metadata.labels[
        'app.kubernetes.io/component'
      ],
      'grafana',
    );
  });

  it('is not created, and nothing fails, where PodMonitors are not served', async () => {
    const ns = await freshNamespace(kube, 'podmonitor');
    namespaces.push(ns);
    controllers.push(start(ns, withoutPodMonitors(makeKube(kc))));
    await kube.apply(aStream(ns, 'plain', { symbols: ['BTCUSDC'], intervals: ['1m'] }));
    const stream = await reconciled(ns, 'plain');
    await eventually(
      async () => (await kube.get<Obj>(DEPLOYMENT, ns, 'plain-consumer-1m')) !== undefined,
      'the workers exist',
    );
    assert.equal(await podMonitor(ns, 'plain-workers'), undefined);
    const list = await kube.list<Obj>(POD_MONITOR, ns);
    assert.deepEqual(list.items, []);
    const conditions = (stream.status?.['conditions'] ?? []) as { type: string; reason: string }[];
    assert.ok(!conditions.some((c) => /ApplyFailed|NameConflict/.test(c.reason)), JSON.stringify(conditions));
  });
});
