/**
 * A user's path on a real node: `helm install` of the operator with the locally built image, `kubectl apply` of a
 * stream (4 symbols, 15m and 1h, the Binance test server on the node address, the cluster's Kafka as
 * `spec.kafka.external`, Grafana off), pods that really run in namespaces enforcing the `restricted` Pod
 * Security Standard, a consumer pod force-deleted and the InfluxDB pod deleted while candles flow, every point
 * compared exactly, then the stream deleted (nothing left, nothing stuck Terminating) and re-created.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBinanceServer } from '../support/binanceServer.ts';
import type { BinanceServer } from '../support/binanceServer.ts';
import { nodeCluster, tools, until } from '../support/cluster.ts';
import {
  assertStreamExact,
  childNames,
  expectedCount,
  firstStored,
  installOperator,
  INTERVALS,
  isReady,
  podsIn,
  removeOperator,
  restrictedNamespace,
  streamInflux,
  streamManifest,
  uniqueName,
  waitReady,
} from './stream.ts';

const c = nodeCluster();
const { kubectl, apply, getJson } = tools(c);

const pods = (namespace: string, selector?: string) => podsIn(c, namespace, selector);

/** Pods the API server refused (Pod Security admission reports FailedCreate on the owner). */
const refusedPods = async (namespace: string): Promise<string[]> =>
  (
    await getJson<{ items: { message: string }[] }>(
      'events',
      '-n',
      namespace,
      '--field-selector',
      'reason=FailedCreate',
    )
  ).items.map((e) => e.message);

describe('a CryptoStream on the one-node cluster', () => {
  const operatorNs = uniqueName('cs-operator');
  const ns = uniqueName('cs-stream');
  const release = uniqueName('cryptostream');
  const name = uniqueName('majors');
  const n = childNames(ns, name);
  let binance: BinanceServer;

  before(async () => {
    binance = await startBinanceServer({ host: c.hostAddress });
    await restrictedNamespace(c, operatorNs);
    await restrictedNamespace(c, ns);
  });

  after(async () => {
    await binance?.close();
    await removeOperator(c, release, operatorNs, [ns]);
  });

  it('helm install: the operator pod is Running and Ready in a restricted namespace', async () => {
    await installOperator(c, release, operatorNs, ns);
    const operator = await pods(operatorNs);
    assert.equal(operator.length, 1);
    assert.equal(operator[0]!.status.phase, 'Running');
    assert.ok(isReady(operator[0]!), 'the operator pod is Ready');
    assert.deepEqual(await refusedPods(operatorNs), []);
  });

  it('kubectl apply: Ready; producer, consumer and InfluxDB pods Running, every pod admitted; the PVC Bound', async () => {
    // Slow answers (each page 8.5 s, within the producer's 10 s timeout) keep the backfill flowing for half a
    // minute, so that the next test disturbs it mid-stream.
    binance.fail({ kind: 'delay', ms: 8500 }, 24);
    await apply([streamManifest(c, binance, ns, name)]);
    await waitReady(c, ns, name);
    const running = await pods(ns);
    const byComponent = (component: string) =>
      running.filter((p) => p.metadata.labels?.['app.kubernetes.io/component'] === component);
    for (const component of ['producer', 'consumer', 'influxdb']) {
      assert.ok(byComponent(component).length > 0, `a ${component} pod exists`);
      for (const p of byComponent(component)) assert.equal(p.status.phase, 'Running', p.metadata.name);
    }
    // One producer for both intervals (one rate budget per IP), its pod without an interval label.
    const producers = byComponent('producer').filter((p) => p.metadata.deletionTimestamp === undefined);
    assert.equal(producers.length, 1, 'one producer pod for every interval');
    assert.ok(producers[0]!.metadata.name.startsWith(`${n.producer}-`), producers[0]!.metadata.name);
    assert.equal(producers[0]!.metadata.labels?.['cryptostream.io/interval'], undefined);
    assert.equal(
      producers[0]!.spec.containers[0]!.env?.find((e) => e.name === 'CRYPTOSTREAM_INTERVALS')?.value,
      INTERVALS.join(','),
    );
    const pvcs = await getJson<{ items: { status: { phase: string } }[] }>('pvc', '-n', ns);
    assert.equal(pvcs.items.length, 1);
    assert.equal(pvcs.items[0]!.status.phase, 'Bound');
    assert.deepEqual(await refusedPods(ns), []);
  });

  it('a consumer pod force-deleted and the InfluxDB pod deleted mid-stream: every point stored exactly once', async () => {
    const stored = await firstStored(c, ns, name, '15m', 180_000, 250);
    assert.ok(stored < expectedCount(binance, '15m'), `mid-stream: ${stored} points stored so far`);
    const [consumer] = await pods(ns, `app.kubernetes.io/component=consumer,cryptostream.io/interval=15m`);
    assert.ok(consumer !== undefined, 'a 15m consumer pod');
    await kubectl('-n', ns, 'delete', 'pod', consumer.metadata.name, '--grace-period=0', '--force');
    await kubectl('-n', ns, 'delete', 'pod', `${n.influxdb}-0`, '--wait=true');
    await kubectl('-n', ns, 'rollout', 'status', `statefulset/${n.influxdb}`, '--timeout=180s');
    await waitReady(c, ns, name);
    const after = await streamInflux(c, ns, name);
    try {
      await assertStreamExact(after.run, binance);
    } finally {
      await after.forward.stop();
    }
  });

  it('deleting the stream removes every child, nothing stuck in Terminating; re-created, it is Ready and InfluxDB accepts its token', async () => {
    await kubectl('-n', ns, 'delete', 'cryptostream', name, '--wait=true', '--timeout=120s');
    await until(
      async () => {
        const left = await kubectl(
          '-n',
          ns,
          'get',
          'pods,pvc,deployments,statefulsets,services,configmaps,secrets,hpa,pdb,networkpolicies,serviceaccounts',
          '-o',
          'name',
        );
        const ours = left
          .split('\n')
          .filter((l) => l !== '' && l !== 'configmap/kube-root-ca.crt' && l !== 'serviceaccount/default');
        return ours.length === 0 ? true : undefined;
      },
      'every child of the stream is gone',
      180_000,
    );
    await apply([streamManifest(c, binance, ns, name)]);
    await waitReady(c, ns, name);
    const again = await streamInflux(c, ns, name);
    try {
      const write = await fetch(
        `${again.run.endpoints.influx.url}/api/v2/write?org=cryptostream&bucket=${again.run.raw}&precision=ms`,
        {
          method: 'POST',
          headers: { authorization: `Token ${again.run.endpoints.influx.token}` },
          body: `probe,test=recreate value=1 ${Date.now()}`,
        },
      );
      assert.equal(write.status, 204, `a write with the re-created stream's token: ${await write.text()}`);
    } finally {
      await again.forward.stop();
    }
    const consumers = await pods(ns, 'app.kubernetes.io/component=consumer');
    // 401 as a number of its own, not as digits of a longer one (a timestamp, a duration).
    for (const p of consumers)
      assert.doesNotMatch(await kubectl('-n', ns, 'logs', p.metadata.name), /\b401\b|unauthorized/i);
  });
});
