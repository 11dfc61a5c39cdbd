import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { InfluxDB } from '@influxdata/influxdb-client';
import { pino } from 'pino';
import type { CryptoStream } from '../../../src/api/v1alpha1/cryptostream.ts';
import { alertRules } from '../../../src/core/operator/grafana/alerts.ts';
import { dashboards } from '../../../src/core/operator/grafana/dashboards.ts';
import { INFLUX_TOKEN_ANNOTATION } from '../../../src/core/operator/grafana/influxToken.ts';
import { credentialsFrom, credentialsSecret } from '../../../src/core/operator/influxdb/credentials.ts';
import type { Credentials } from '../../../src/core/operator/influxdb/credentials.ts';
import { grafanaTokenDescription } from '../../../src/core/operator/influxdb/grafanaToken.ts';
import { toLineProtocol } from '../../../src/core/points/lineProtocol.ts';
import { enrichedPoint } from '../../../src/core/points/point.ts';
import { readInfluxState, removeAuthorization } from '../../../src/shell/influx/authorizations.ts';
import { writeLines } from '../../../src/shell/influx/influx.ts';
import { startController } from '../../../src/shell/operator/controller.ts';
import type { Controller } from '../../../src/shell/operator/controller.ts';
import { makeGrafanaTokens } from '../../../src/shell/operator/grafanaToken.ts';
import { makeMetrics } from '../../../src/shell/operator/metrics.ts';
import { CRYPTOSTREAM, resourceOf } from '../../../src/shell/operator/resources.ts';
import type { Kube } from '../../../src/shell/operator/kube.ts';
import { aCandle } from '../../fixtures/candles.ts';
import { services } from '../../support/services.ts';
import { aCryptoStream } from '../../core/operator/aCryptoStream.ts';
import { grafanaFlux } from '../grafana/grafanaFlux.ts';
import {
  aStream,
  cluster,
  deleteNamespace,
  eventually,
  freshNamespace,
  IMAGE,
  installCrd,
} from './cluster.ts';

type GrafanaTemplate = {
  metadata: { annotations?: Record<string, string> };
  spec: { containers: { env?: { name: string; valueFrom?: unknown }[] }[] };
};

/*
 * Grafana's token on the real InfluxDB 2.7 of `npm run services:up`: the shell asks for it as the operator
 * does (with the admin token), and the token does what Grafana does and nothing more. The Kubernetes side
 * (the Secret) is a map here; operator.test.ts runs the same on the real API server.
 */

const { influx } = services();
const admin = { url: influx.url, token: influx.token };
const symbol = `T${randomUUID().slice(0, 6).toUpperCase()}USDC`;
const stream = (): CryptoStream => {
  const cr = aCryptoStream({
    symbols: [symbol],
    intervals: ['1m'],
    influxdb: { org: influx.org },
    alerts: [{ name: 'rsi-high', symbol, field: 'rsi', above: 70 }],
  });
  return { ...cr, metadata: { ...cr.metadata, namespace: `grafana-token-${randomUUID().slice(0, 8)}` } };
};
const base: Credentials = { influxPassword: 'unused', influxToken: influx.token, grafanaPassword: 'unused' };

/** The stream's InfluxDB as the informers show it: a ready StatefulSet and its pod (uid = `pod`). */
const running = (cr: CryptoStream, pod: string): KubernetesObject[] => [
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'demo-influxdb', namespace: cr.metadata.namespace, generation: 1 },
    spec: { replicas: 1 },
    status: { observedGeneration: 1, readyReplicas: 1, updatedReplicas: 1 },
  } as KubernetesObject,
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'demo-influxdb-0', namespace: cr.metadata.namespace, uid: pod },
  },
];

/** A Kubernetes API holding one Secret (what the shell reads and applies), and the events recorded. */
const fakeKube = () => {
  let secret: (KubernetesObject & { data?: Record<string, string> }) | undefined;
  const kube = {
    get: async () => secret,
    apply: async (o: KubernetesObject) => {
      secret = o;
      return o;
    },
  } as unknown as Kube;
  const events: string[] = [];
  return { kube, events, stored: () => credentialsFrom(secret?.data)?.grafanaInfluxToken };
};

const ours = async (cr: CryptoStream) =>
  (await readInfluxState(admin, influx.org)).authorizations.filter(
    (a) => a.description === grafanaTokenDescription(cr),
  );

const made: CryptoStream[] = [];
after(async () => {
  for (const cr of made) for (const a of await ours(cr)) await removeAuthorization(admin, a.id);
});

const status = async (token: string, method: string, path: string, body?: string) => {
  const r = await fetch(new URL(path, influx.url), {
    method,
    headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
  });
  return { status: r.status, body: await r.text() };
};

describe("Grafana's read-only InfluxDB token on a real InfluxDB", () => {
  it('is made once InfluxDB runs, stored with its ID, and runs every query of the dashboards and alert rules', async () => {
    const cr = stream();
    made.push(cr);
    const k = fakeKube();
    const tokens = makeGrafanaTokens({
      kube: k.kube,
      record: async (_c, _t, reason) => void k.events.push(reason),
      influxdbUrl: () => influx.url,
    });

    const waiting = await tokens.ensure(cr, base, []);
    assert.deepEqual(waiting, { credentials: base }, 'nothing asked while InfluxDB is not ready');

    const outcome = await tokens.ensure(cr, base, running(cr, 'pod-1'));
    assert.equal(outcome.error, undefined);
    const token = outcome.credentials.grafanaInfluxToken;
    assert.ok(token, 'the credentials carry the new token');
    assert.deepEqual(k.stored(), token, 'stored in the Secret before anything uses it');
    assert.deepEqual(k.events, ['InfluxDBTokenCreated']);
    assert.notEqual(token.token, influx.token);
    const [listed, ...more] = await ours(cr);
    assert.deepEqual(more, []);
    assert.equal(listed?.id, token.id);
    assert.deepEqual(
      listed.permissions.map((p) => `${p.action} ${p.resource.type}`),
      ['read buckets', 'read buckets'],
    );

    // A candle of the dashboard's symbol, a minute ago (the alert rule looks back an hour).
    const openTime = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    const candle = {
      ...aCandle({ openTime, closeTime: openTime + 59_999 }),
      symbol,
      interval: '1m' as const,
    };
    await writeLines({ ...admin, org: influx.org }, influx.buckets.enriched, [
      toLineProtocol(
        enrichedPoint(candle, {
          ...{ sma_7: 63001, ema_12: 63002, bb_upper: 63100, bb_middle: 63000, bb_lower: 62900 },
          ...{
            rsi_14: 75.5,
            macd: 1,
            macd_signal: 0.5,
            macd_hist: 0.5,
            atr_14: 10,
            volatility_20: 0.001,
            adx_14: 20,
          },
        }),
      ),
    ]);

    const grafana = new InfluxDB({ url: influx.url, token: token.token }).getQueryApi(influx.org);
    const check = await grafana.collectRows<{ name: string }>('buckets()');
    assert.deepEqual(
      check.map((r) => r.name).sort(),
      [influx.buckets.enriched, influx.buckets.raw],
      "Grafana's datasource check sees the two buckets, and only them",
    );
    const [market] = dashboards(cr);
    assert.equal(market!.panels.length, 6);
    for (const panel of market!.panels)
      for (const t of panel.targets) {
        const q = grafanaFlux(t.query, {
          from: new Date(openTime - 3_600_000),
          to: new Date(),
          maxDataPoints: 1000,
          minInterval: panel.interval,
          variables: {
            symbol,
            interval: '1m',
            bucket_raw: influx.buckets.raw,
            bucket_enriched: influx.buckets.enriched,
          },
        });
        const rows = await grafana.collectRows(q);
        assert.ok(rows.length > 0, `the panel query returns the candle:\n${q}`);
      }
    const queries = (group: string) =>
      alertRules(cr)
        .groups.filter((g) => g.name === `${cr.metadata.name}-${group}`)
        .flatMap((g) => g.rules.map((r) => r.data[0]!.model.query!));
    const thresholds = queries('thresholds');
    assert.equal(thresholds.length, 1);
    const [last] = await grafana.collectRows<{ _value: number }>(thresholds[0]!);
    assert.equal(last?._value, 75.5, 'the alert rule reads the RSI');
    // The pipeline's own rules (stale candles, dead letters, Binance bans) run with the same token.
    const pipeline = queries('pipeline');
    assert.ok(pipeline.length >= 3, `${pipeline.length} pipeline rules`);
    for (const q of pipeline) await grafana.collectRows(q);
  });

  it('is refused every write: points, deletes, buckets, tokens', async () => {
    const cr = stream();
    made.push(cr);
    const k = fakeKube();
    const tokens = makeGrafanaTokens({
      kube: k.kube,
      record: async () => undefined,
      influxdbUrl: () => influx.url,
    });
    const token = (await tokens.ensure(cr, base, running(cr, 'pod-1'))).credentials.grafanaInfluxToken!.token;
    const { orgID, buckets } = await readInfluxState(admin, influx.org);
    const enriched = buckets[influx.buckets.enriched]!;
    const refused = (r: { status: number; body: string }, what: string) =>
      assert.ok(r.status === 401 || r.status === 403, `${what}: ${r.status} ${r.body}`);

    refused(
      await status(
        token,
        'POST',
        `/api/v2/write?org=${influx.org}&bucket=${influx.buckets.enriched}&precision=ms`,
        `kline,coin=${symbol} close=1 1`,
      ),
      'a write',
    );
    refused(
      await status(
        token,
        'POST',
        `/api/v2/delete?org=${influx.org}&bucket=${influx.buckets.enriched}`,
        JSON.stringify({ start: '1970-01-01T00:00:00Z', stop: '2100-01-01T00:00:00Z' }),
      ),
      'a delete of points',
    );
    refused(
      await status(token, 'POST', '/api/v2/buckets', JSON.stringify({ orgID, name: `x-${symbol}` })),
      'a new bucket',
    );
    refused(await status(token, 'DELETE', `/api/v2/buckets/${enriched}`), 'a bucket deleted');
    refused(
      await status(token, 'PATCH', `/api/v2/buckets/${enriched}`, JSON.stringify({ retentionRules: [] })),
      'a bucket changed',
    );
    refused(
      await status(
        token,
        'POST',
        '/api/v2/authorizations',
        JSON.stringify({ orgID, permissions: [{ action: 'write', resource: { type: 'buckets', orgID } }] }),
      ),
      'a token made',
    );
    const seen = await status(token, 'GET', '/api/v2/authorizations');
    assert.deepEqual(
      (JSON.parse(seen.body) as { authorizations: unknown[] }).authorizations,
      [],
      'no token, the admin token least of all, is visible',
    );
    assert.ok(
      (await readInfluxState(admin, influx.org)).buckets[influx.buckets.enriched] === enriched,
      'the bucket is still there',
    );
  });

  it('is kept across restarts and new InfluxDB pods, replaced when InfluxDB lost it, and leftovers are removed', async () => {
    const cr = stream();
    made.push(cr);
    const k = fakeKube();
    const record = async (_c: unknown, _t: unknown, reason: string) => void k.events.push(reason);
    const first = makeGrafanaTokens({ kube: k.kube, record, influxdbUrl: () => influx.url });
    const creds = (await first.ensure(cr, base, running(cr, 'pod-1'))).credentials;
    const token = creds.grafanaInfluxToken!;

    // A restarted operator, and InfluxDB's pod replaced: checked again, kept.
    const second = makeGrafanaTokens({ kube: k.kube, record, influxdbUrl: () => influx.url });
    assert.deepEqual((await second.ensure(cr, creds, running(cr, 'pod-1'))).credentials, creds);
    assert.deepEqual((await second.ensure(cr, creds, running(cr, 'pod-2'))).credentials, creds);
    assert.deepEqual(k.events, ['InfluxDBTokenCreated'], 'no second token');

    // A cache that has not seen the Secret with the token yet: the Secret is read, not a token made.
    const third = makeGrafanaTokens({ kube: k.kube, record, influxdbUrl: () => influx.url });
    assert.deepEqual((await third.ensure(cr, base, running(cr, 'pod-2'))).credentials, creds);
    assert.deepEqual(
      (await ours(cr)).map((a) => a.id),
      [token.id],
    );

    // A new volume under the kept Secret: InfluxDB no longer has the authorization (here: deleted).
    await removeAuthorization(admin, token.id);
    const replaced = (await second.ensure(cr, creds, running(cr, 'pod-3'))).credentials.grafanaInfluxToken!;
    assert.notEqual(replaced.id, token.id);
    assert.deepEqual(k.stored(), replaced);
    assert.deepEqual(
      (await ours(cr)).map((a) => a.id),
      [replaced.id],
    );

    // A token whose value never reached the Secret (the operator died in between): removed at the next check.
    const lost = await status(
      influx.token,
      'POST',
      '/api/v2/authorizations',
      JSON.stringify({
        orgID: (await readInfluxState(admin, influx.org)).orgID,
        description: grafanaTokenDescription(cr),
        permissions: [{ action: 'read', resource: { type: 'buckets' } }],
      }),
    );
    assert.equal(lost.status, 201, lost.body);
    const after = (await second.ensure(cr, { ...creds, grafanaInfluxToken: replaced }, running(cr, 'pod-4')))
      .credentials.grafanaInfluxToken;
    assert.deepEqual(after, replaced);
    assert.deepEqual(
      (await ours(cr)).map((a) => a.id),
      [replaced.id],
    );
  });

  it('reports an InfluxDB it cannot reach, and changes nothing', async () => {
    const cr = stream();
    const k = fakeKube();
    const tokens = makeGrafanaTokens({
      kube: k.kube,
      record: async (_c, _t, reason) => void k.events.push(reason),
      influxdbUrl: () => 'http://127.0.0.1:9',
    });
    const outcome = await tokens.ensure(cr, base, running(cr, 'pod-1'));
    assert.deepEqual(outcome.credentials, base);
    assert.match(outcome.error ?? '', /^Grafana's InfluxDB token \(http:\/\/127\.0\.0\.1:9\): /);
    assert.deepEqual(k.events, ['InfluxDBTokenFailed']);
    assert.equal(k.stored(), undefined);
  });
});

describe('the operator gives Grafana the read-only token, on a real API server and InfluxDB', () => {
  const { kc, kube } = cluster();
  const secretOf = async (ns: string, name: string) =>
    (
      await kube.get<KubernetesObject & { data?: Record<string, string> }>(
        resourceOf('v1', 'Secret'),
        ns,
        name,
      )
    )?.data;
  const grafanaOf = async (ns: string) =>
    (
      await kube.get<KubernetesObject & { spec?: { template: GrafanaTemplate } }>(
        resourceOf('apps/v1', 'Deployment'),
        ns,
        'dash-grafana',
      )
    )?.spec?.template;
  /**
   * What the StatefulSet controller would report of a started InfluxDB: the test API server runs neither it
   * nor a kubelet (so no pod either), so the test says it.
   */
  const influxdbStarted = async (ns: string) => {
    const sts = await eventually(
      async () => kube.get<KubernetesObject>(resourceOf('apps/v1', 'StatefulSet'), ns, 'dash-influxdb'),
      'the InfluxDB StatefulSet exists',
    );
    const patched = await kube.request(
      'PATCH',
      `/apis/apps/v1/namespaces/${ns}/statefulsets/dash-influxdb/status`,
      {
        status: {
          observedGeneration: sts.metadata!.generation,
          replicas: 1,
          readyReplicas: 1,
          currentReplicas: 1,
          updatedReplicas: 1,
          availableReplicas: 1,
        },
      },
      'application/merge-patch+json',
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
  };
  const ns = { name: '' };
  let controller: Controller | undefined;

  after(async () => {
    await controller?.stop();
    if (ns.name !== '') await deleteNamespace(kube, ns.name);
  });

  it('stores the token InfluxDB made in the Secret and rolls Grafana onto it; a re-created stream keeps it', async () => {
    await installCrd(kube);
    ns.name = await freshNamespace(kube, 'grafana-token');
    const cr = { ...stream(), metadata: { name: 'dash', namespace: ns.name } } as CryptoStream;
    made.push(cr);
    // A database kept by an earlier stream `dash` (influxdb.retainOnDelete) with the credentials that open it:
    // here the admin token of the test InfluxDB; that operator version gave Grafana the admin token.
    const kept = credentialsSecret(aCryptoStream({ influxdb: { retainOnDelete: true } }), base);
    await kube.create({
      ...kept,
      metadata: {
        ...kept.metadata,
        name: 'dash-credentials',
        namespace: ns.name,
        labels: {
          ...kept.metadata.labels,
          'cryptostream.io/stream': 'dash',
          'app.kubernetes.io/instance': 'dash',
        },
      },
    });
    controller = startController({
      kc,
      namespace: ns.name,
      image: IMAGE,
      operatorNamespace: 'cryptostream-system',
      influxdbUrl: () => influx.url,
      identity: 'test',
      concurrency: 4,
      resyncMs: 3_600_000,
      log: pino({ level: 'silent' }),
      metrics: makeMetrics(),
    });
    const spec = {
      symbols: [symbol],
      intervals: ['1m'],
      kafka: { external: { bootstrapServers: 'kafka.example:9092' } },
      influxdb: { org: influx.org, retainOnDelete: true },
    };
    await kube.apply(aStream(ns.name, 'dash', spec));

    const waiting = await eventually(grafanaOf.bind(undefined, ns.name), 'the Grafana Deployment exists');
    const env = waiting.spec.containers[0]!.env!;
    assert.deepEqual(env.find((e) => e.name === 'INFLUX_TOKEN')?.valueFrom, {
      secretKeyRef: { name: 'dash-credentials', key: 'grafana-influxdb-token' },
    });
    assert.equal(
      waiting.metadata.annotations?.[INFLUX_TOKEN_ANNOTATION],
      undefined,
      'no token before InfluxDB runs',
    );
    assert.equal((await secretOf(ns.name, 'dash-credentials'))?.['grafana-influxdb-token'], undefined);
    assert.ok(
      await kube.get(resourceOf('networking.k8s.io/v1', 'NetworkPolicy'), ns.name, 'dash-influxdb-operator'),
      "the API server took the policy that admits the operator's pods to InfluxDB",
    );

    await influxdbStarted(ns.name);
    const token = await eventually(
      async () => credentialsFrom(await secretOf(ns.name, 'dash-credentials'))?.grafanaInfluxToken,
      'the Secret holds the token InfluxDB made',
    );
    assert.equal(
      credentialsFrom(await secretOf(ns.name, 'dash-credentials'))?.influxToken,
      influx.token,
      'the admin token stays as it was',
    );
    await eventually(
      async () => (await grafanaOf(ns.name))?.metadata.annotations?.[INFLUX_TOKEN_ANNOTATION] === token.id,
      "Grafana's pod template names the token, so Grafana rolls onto it",
    );
    const grafana = new InfluxDB({ url: influx.url, token: token.token }).getQueryApi(influx.org);
    assert.equal((await grafana.collectRows('buckets()')).length, 2, "Grafana's datasource check passes");
    const write = await status(
      token.token,
      'POST',
      `/api/v2/write?org=${influx.org}&bucket=${influx.buckets.raw}`,
      'x v=1 1',
    );
    assert.equal(write.status, 403, write.body);

    // Deleted with retainOnDelete, and re-created: the kept Secret's token is checked against InfluxDB and kept.
    await kube.remove((await kube.get(CRYPTOSTREAM, ns.name, 'dash'))!);
    await eventually(
      async () =>
        (await grafanaOf(ns.name)) === undefined &&
        (await kube.get(resourceOf('apps/v1', 'StatefulSet'), ns.name, 'dash-influxdb')) === undefined,
      "the stream's Grafana and InfluxDB are garbage-collected",
      60_000,
    );
    assert.deepEqual(credentialsFrom(await secretOf(ns.name, 'dash-credentials'))?.grafanaInfluxToken, token);
    await kube.apply(aStream(ns.name, 'dash', spec));
    await eventually(
      async () => (await grafanaOf(ns.name))?.metadata.annotations?.[INFLUX_TOKEN_ANNOTATION] === token.id,
      'the new Grafana reads the kept token',
    );
    await influxdbStarted(ns.name);
    await controller.queue.idle();
    assert.deepEqual(credentialsFrom(await secretOf(ns.name, 'dash-credentials'))?.grafanaInfluxToken, token);
    assert.deepEqual(
      (await ours(cr)).map((a) => a.id),
      [token.id],
      'no second token',
    );
  });
});
