import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CryptoStream } from '../../../src/api/v1alpha1/cryptostream.ts';
import { defaulted } from '../../../src/api/v1alpha1/defaults.ts';
import { kindAndName } from '../../../src/core/operator/child.ts';
import { credentialsFrom } from '../../../src/core/operator/influxdb/credentials.ts';
import { desiredState } from '../../../src/core/operator/desiredState.ts';
import { CHILD_RESOURCES, CRYPTOSTREAM, resourceOf } from '../../../src/shell/operator/resources.ts';
import {
  aStream,
  cluster,
  eventually,
  IMAGE,
  operatorInFreshNamespace,
  restartOperator,
  runOperator,
} from './cluster.ts';

type Obj = KubernetesObject & Record<string, unknown>;
const { kc, kube } = cluster();
const SELECTOR = 'app.kubernetes.io/managed-by=cryptostream-operator';

const childrenOf = async (namespace: string, stream: string): Promise<Obj[]> => {
  const lists = await Promise.all(
    CHILD_RESOURCES.map((r) => kube.list<Obj>(r, namespace, `${SELECTOR},cryptostream.io/stream=${stream}`)),
  );
  return lists.flatMap((l, i) =>
    l.items.map((o): Obj => ({
      ...o,
      apiVersion: CHILD_RESOURCES[i]!.apiVersion,
      kind: CHILD_RESOURCES[i]!.kind,
    })),
  );
};
const get = (apiVersion: string, kind: string, namespace: string, name: string) =>
  kube.get<Obj>(resourceOf(apiVersion, kind), namespace, name);
const stream = (namespace: string, name: string) => kube.get<CryptoStream>(CRYPTOSTREAM, namespace, name);
const condition = async (namespace: string, name: string, type: string) =>
  (await stream(namespace, name))?.status?.conditions?.find((c) => c.type === type);
const envOf = (d: Obj | undefined) =>
  Object.fromEntries(
    (
      (d?.['spec'] as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } })
        .template.spec.containers[0]!.env ?? []
    ).map((e) => [e.name, e.value]),
  );

/** The children a stream should have, from the pure desired state (credentials as the operator stored them). */
const expectedChildren = async (namespace: string, name: string): Promise<string[]> => {
  const cr = defaulted(await stream(namespace, name));
  const secret = await get('v1', 'Secret', namespace, `${name}-credentials`);
  const credentials = credentialsFrom(secret?.['data'] as Record<string, string>);
  assert.ok(credentials, 'the credentials Secret holds generated credentials');
  // The test API server serves PodMonitors once services:up installed the Prometheus Operator's CRD.
  const podMonitorInstalled =
    (await kube.request('GET', '/apis/monitoring.coreos.com/v1/podmonitors')).status === 200;
  return desiredState(cr, { image: IMAGE, credentials, podMonitorInstalled }).map(kindAndName).sort();
};

const converged = async (namespace: string, name: string) =>
  eventually(async () => {
    const [want, have] = [
      await expectedChildren(namespace, name),
      (await childrenOf(namespace, name)).map(kindAndName).sort(),
    ];
    return (
      JSON.stringify(want) === JSON.stringify(have) &&
      (await stream(namespace, name))?.status?.observedGeneration ===
        (await stream(namespace, name))?.metadata.generation
    );
  }, `${name} has exactly its desired children`);

describe('the operator on a real API server', () => {
  const f = operatorInFreshNamespace('operator');

  it('creates every child of an applied CryptoStream, owned by it', async () => {
    await kube.apply(aStream(f.ns, 'demo', { symbols: ['BTCUSDC', 'ETHUSDC'], intervals: ['1m', '1h'] }));
    await converged(f.ns, 'demo');
    const children = await childrenOf(f.ns, 'demo');
    const uid = (await stream(f.ns, 'demo'))?.metadata.uid;
    for (const c of children)
      assert.deepEqual(
        c.metadata?.ownerReferences?.map((r) => [r.kind, r.uid, r.controller]),
        [['CryptoStream', uid, true]],
        kindAndName(c),
      );
    const producer = envOf(await get('apps/v1', 'Deployment', f.ns, 'demo-producer'));
    assert.equal(producer['CRYPTOSTREAM_SYMBOLS'], 'BTCUSDC,ETHUSDC');
    assert.equal(producer['CRYPTOSTREAM_INTERVALS'], '1m,1h', 'one producer for both intervals');
    assert.deepEqual(
      children
        .filter((c) => c.kind === 'Deployment' && c.metadata?.name?.startsWith('demo-producer'))
        .map(kindAndName),
      ['Deployment/demo-producer'],
    );
  });

  it('records what it did as Events on the CryptoStream', async () => {
    const events = await eventually(async () => {
      const list = await kube.request('GET', `/apis/events.k8s.io/v1/namespaces/${f.ns}/events`);
      const items = (list.body as { items: { reason: string; regarding: { kind: string; name: string } }[] })
        .items;
      const applied = items.filter(
        (e) => e.regarding.kind === 'CryptoStream' && e.regarding.name === 'demo' && e.reason === 'Applied',
      );
      return applied.length > 0 ? applied : undefined;
    }, 'an Applied event exists');
    assert.ok(events.length >= 1);
  });

  it('passes a server-side dry run of every desired child', async () => {
    const cr = defaulted(await stream(f.ns, 'demo'));
    const credentials = credentialsFrom(
      (await get('v1', 'Secret', f.ns, 'demo-credentials'))?.['data'] as Record<string, string>,
    )!;
    for (const child of desiredState(cr, { image: IMAGE, credentials }))
      await kube.apply(child, { dryRun: true });
  });

  it('writes the status with observedGeneration, every condition and the endpoints', async () => {
    const status = await eventually(async () => (await stream(f.ns, 'demo'))?.status, 'a status is written');
    assert.deepEqual(
      status.conditions?.map((c) => c.type),
      ['Ready', 'Kafka', 'InfluxDB', 'Grafana', 'Producers', 'Consumers'],
    );
    assert.equal(status.endpoints?.grafana, `http://demo-grafana.${f.ns}.svc:3000`);
  });

  it('follows a spec change: a symbol added, an interval removed, replicas changed', async () => {
    await kube.apply(
      aStream(f.ns, 'demo', {
        symbols: ['BTCUSDC', 'ETHUSDC', 'SOLUSDC'],
        intervals: ['1m'],
        consumer: { autoscaling: { maxReplicas: 6 } },
      }),
    );
    await converged(f.ns, 'demo');
    const producer = envOf(await get('apps/v1', 'Deployment', f.ns, 'demo-producer'));
    assert.equal(producer['CRYPTOSTREAM_SYMBOLS'], 'BTCUSDC,ETHUSDC,SOLUSDC');
    assert.equal(producer['CRYPTOSTREAM_INTERVALS'], '1m', 'the producer follows the remaining interval');
    assert.equal(await get('apps/v1', 'Deployment', f.ns, 'demo-consumer-1h'), undefined);
    assert.equal(await get('kafka.strimzi.io/v1', 'KafkaTopic', f.ns, 'demo-prices-1h'), undefined);
    const hpa = await get('autoscaling/v2', 'HorizontalPodAutoscaler', f.ns, 'demo-consumer-1m');
    assert.equal(
      (hpa?.['spec'] as { maxReplicas: number }).maxReplicas,
      3,
      'capped at one replica per symbol: a fourth would get no partition with candles',
    );
    const topic = await get('kafka.strimzi.io/v1', 'KafkaTopic', f.ns, 'demo-prices-1m');
    assert.equal(
      (topic?.['spec'] as { partitions: number }).partitions,
      6,
      'one partition per consumer replica at least',
    );
    assert.deepEqual(
      (await stream(f.ns, 'demo'))?.status?.symbolPartitions,
      { BTCUSDC: 0, ETHUSDC: 1, SOLUSDC: 2 },
      'the added symbol has a partition of its own; the others keep theirs',
    );
    assert.equal(
      envOf(await get('apps/v1', 'Deployment', f.ns, 'demo-producer'))['CRYPTOSTREAM_SYMBOL_PARTITIONS'],
      'BTCUSDC:0,ETHUSDC:1,SOLUSDC:2',
    );
  });

  it('recreates a deleted child', async () => {
    const before = await get('apps/v1', 'Deployment', f.ns, 'demo-consumer-1m');
    await kube.remove(before!);
    const again = await eventually(async () => {
      const d = await get('apps/v1', 'Deployment', f.ns, 'demo-consumer-1m');
      return d !== undefined && d.metadata?.uid !== before?.metadata?.uid ? d : undefined;
    }, 'the consumer Deployment is back');
    assert.equal(again.metadata?.labels?.['cryptostream.io/stream'], 'demo');
  });

  it('never rotates the generated credentials', async () => {
    const secret = await get('v1', 'Secret', f.ns, 'demo-credentials');
    await kube.apply(
      aStream(f.ns, 'demo', {
        symbols: ['BTCUSDC', 'ETHUSDC', 'SOLUSDC'],
        intervals: ['1m'],
        consumer: { autoscaling: { maxReplicas: 6 } },
        kafka: { retentionHours: 24 },
      }),
    );
    await converged(f.ns, 'demo');
    assert.deepEqual((await get('v1', 'Secret', f.ns, 'demo-credentials'))?.['data'], secret?.['data']);
  });

  it('makes no writes after a restart once converged', async () => {
    await converged(f.ns, 'demo');
    // The controller manager's deployment controller keeps updating the Deployments' status for a moment
    // after they are created, and the conditions follow it (legitimate writes). Without a kubelet their
    // final state is Unavailable; from then on nothing changes.
    for (const type of ['Grafana', 'Producers', 'Consumers'])
      await eventually(
        async () => (await condition(f.ns, 'demo', type))?.reason === 'Unavailable',
        `the ${type} condition settles on Unavailable`,
      );
    await restartOperator(kc, f);
    assert.equal(f.op.writes(), 0);
  });

  it('lets the conditions follow the children: the Strimzi Kafka status and the Deployment status', async () => {
    const kafka = (await get('kafka.strimzi.io/v1', 'Kafka', f.ns, 'demo'))!;
    await kube.apply(
      {
        apiVersion: 'kafka.strimzi.io/v1',
        kind: 'Kafka',
        metadata: { name: 'demo', namespace: f.ns },
        status: {
          observedGeneration: kafka.metadata?.generation,
          conditions: [
            { type: 'Ready', status: 'False', reason: 'BrokersStarting', message: 'brokers are starting' },
          ],
        },
      } as Obj,
      { subresource: 'status' },
    );
    const kafkaCondition = await eventually(async () => {
      const c = await condition(f.ns, 'demo', 'Kafka');
      return c?.reason === 'BrokersStarting' ? c : undefined;
    }, 'the Kafka condition carries the Strimzi reason');
    assert.match(kafkaCondition.message, /brokers are starting/);

    // The Deployment's status is the real one, written by the controller manager's deployment controller
    // (no kubelet runs here, so its pod never becomes ready). Until the controller counts the new replica
    // as updated the condition says Progressing; then Unavailable, for good.
    const producers = await eventually(
      async () => {
        const c = await condition(f.ns, 'demo', 'Producers');
        return c?.message === 'Deployment demo-producer: 0/1 replicas ready' && c.reason === 'Unavailable'
          ? c
          : undefined;
      },
      'the Producers condition reports the replica counts of the deployment controller',
      120_000,
    );
    assert.equal(producers.status, 'False');
    assert.equal((await condition(f.ns, 'demo', 'Ready'))?.reason, 'KafkaNotReady');
  });

  it('changes nothing of a stream paused with cryptostream.io/pause-reconciliation, and catches up after', async () => {
    const manifest = (intervals: string[], annotations: Record<string, string>) => {
      const s = aStream(f.ns, 'paused', { symbols: ['BTCUSDC'], intervals });
      return { ...s, metadata: { ...s.metadata, annotations } };
    };
    await kube.apply(manifest(['1m'], {}));
    await converged(f.ns, 'paused');
    // Paused, and an interval added meanwhile.
    await kube.apply(manifest(['1m', '1h'], { 'cryptostream.io/pause-reconciliation': 'true' }));
    const pausedCondition = await eventually(async () => {
      const c = await condition(f.ns, 'paused', 'ReconciliationPaused');
      return c?.status === 'True' ? c : undefined;
    }, 'ReconciliationPaused=True');
    assert.equal(pausedCondition.reason, 'Paused');
    await f.op.controller.queue.idle();
    assert.equal(
      await get('apps/v1', 'Deployment', f.ns, 'paused-consumer-1h'),
      undefined,
      'nothing created while paused',
    );
    assert.equal(
      envOf(await get('apps/v1', 'Deployment', f.ns, 'paused-producer'))['CRYPTOSTREAM_INTERVALS'],
      '1m',
      'nothing changed while paused',
    );
    const cr = await stream(f.ns, 'paused');
    assert.ok(
      (cr?.status?.observedGeneration ?? 0) < (cr?.metadata.generation ?? 0),
      'the change is not observed',
    );
    // Unpaused (server-side apply drops the annotation): the 1h workers come, the condition goes.
    await kube.apply(manifest(['1m', '1h'], {}));
    await converged(f.ns, 'paused');
    assert.ok(await get('apps/v1', 'Deployment', f.ns, 'paused-consumer-1h'));
    assert.equal(
      envOf(await get('apps/v1', 'Deployment', f.ns, 'paused-producer'))['CRYPTOSTREAM_INTERVALS'],
      '1m,1h',
    );
    assert.equal(await condition(f.ns, 'paused', 'ReconciliationPaused'), undefined);
    await kube.remove((await stream(f.ns, 'paused'))!);
  });

  it("moves a stream that names no InfluxDB or Grafana image to an upgraded operator's defaults", async () => {
    await kube.apply(aStream(f.ns, 'follows', { symbols: ['BTCUSDC'] }));
    const imageOf = async (kind: string, name: string) =>
      (
        (await get('apps/v1', kind, f.ns, name))?.['spec'] as
          { template: { spec: { containers: { image: string }[] } } } | undefined
      )?.template.spec.containers[0]?.image;
    await eventually(
      async () => (await imageOf('StatefulSet', 'follows-influxdb')) === 'influxdb:2.7.12',
      'the built-in default InfluxDB image',
    );
    assert.equal(
      (await stream(f.ns, 'follows'))?.spec.influxdb.image,
      undefined,
      'no image stored in the stream',
    );
    // The operator upgraded (restarted) with other defaults, as `helm upgrade --set defaultImages...` does.
    await f.op.controller.stop();
    f.op = runOperator(kc, f.ns, { influxdb: 'influxdb:2.7.13', grafana: 'grafana/grafana:12.2.0' });
    await eventually(
      async () =>
        (await imageOf('StatefulSet', 'follows-influxdb')) === 'influxdb:2.7.13' &&
        (await imageOf('Deployment', 'follows-grafana')) === 'grafana/grafana:12.2.0',
      'the new defaults',
    );
    await kube.remove((await stream(f.ns, 'follows'))!);
  });

  it("refuses names taken by a user's objects: NameConflict, never overwritten, adopted or deleted", async () => {
    // A user's Secret and Strimzi Kafka with the names the stream `taken` would give its children.
    const userSecret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'taken-credentials', namespace: f.ns },
      stringData: { note: 'mine' },
    };
    const userKafka = {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      metadata: { name: 'taken', namespace: f.ns, labels: { team: 'payments' } },
      spec: { kafka: { listeners: [{ name: 'tls', port: 9093, type: 'internal', tls: true }] } },
    };
    await kube.create(userSecret);
    await kube.create(userKafka);
    const before = {
      secret: await get('v1', 'Secret', f.ns, 'taken-credentials'),
      kafka: await get('kafka.strimzi.io/v1', 'Kafka', f.ns, 'taken'),
    };
    await kube.apply(aStream(f.ns, 'taken', { symbols: ['BTCUSDC'] }));
    const ready = await eventually(async () => {
      const c = await condition(f.ns, 'taken', 'Ready');
      return c?.reason === 'NameConflict' ? c : undefined;
    }, 'Ready=False, reason NameConflict');
    assert.equal(ready.status, 'False');
    assert.match(
      ready.message ?? '',
      /Secret taken-credentials already exists \(not created by this stream\)/,
    );
    assert.match(ready.message ?? '', /Kafka taken already exists \(not created by this stream\)/);
    // The other children are there; the user's objects are exactly as they were (no new resourceVersion).
    await eventually(
      async () => (await get('apps/v1', 'Deployment', f.ns, 'taken-producer')) !== undefined,
      'the producer is created',
    );
    assert.equal(
      (await get('v1', 'Secret', f.ns, 'taken-credentials'))?.metadata?.resourceVersion,
      before.secret?.metadata?.resourceVersion,
    );
    assert.equal(
      (await get('kafka.strimzi.io/v1', 'Kafka', f.ns, 'taken'))?.metadata?.resourceVersion,
      before.kafka?.metadata?.resourceVersion,
    );
    // Deleting the stream leaves them too.
    await kube.remove((await stream(f.ns, 'taken'))!);
    await eventually(
      async () => (await get('apps/v1', 'Deployment', f.ns, 'taken-producer')) === undefined,
      "the stream's own children are garbage-collected",
      60_000,
    );
    assert.ok(await get('v1', 'Secret', f.ns, 'taken-credentials'), "the user's Secret is still there");
    assert.ok(await get('kafka.strimzi.io/v1', 'Kafka', f.ns, 'taken'), "the user's Kafka is still there");
  });

  it('leaves the children to the garbage collector when the CryptoStream is deleted', async () => {
    await kube.remove((await stream(f.ns, 'demo'))!);
    await eventually(
      async () => (await childrenOf(f.ns, 'demo')).length === 0,
      'the children are garbage-collected',
      60_000,
    );
  });
});
