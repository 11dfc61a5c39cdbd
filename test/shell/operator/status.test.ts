import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CryptoStream } from '../../../src/api/v1alpha1/cryptostream.ts';
import { CRYPTOSTREAM, POD, resourceOf } from '../../../src/shell/operator/resources.ts';
import { aStream, cluster, eventually, operatorInFreshNamespace } from './cluster.ts';

type Obj = KubernetesObject & Record<string, unknown>;
type Env = { name: string; value?: string; valueFrom?: unknown };
const { kube } = cluster();

const STRIMZI = ['Kafka', 'KafkaNodePool', 'KafkaTopic'].map((kind) =>
  resourceOf('kafka.strimzi.io/v1', kind),
);
const strimziObjects = async (namespace: string) =>
  (await Promise.all(STRIMZI.map((r) => kube.list<Obj>(r, namespace)))).flatMap((l) => l.items);
const stream = (namespace: string, name: string) => kube.get<CryptoStream>(CRYPTOSTREAM, namespace, name);
const condition = async (namespace: string, name: string, type: string) =>
  (await stream(namespace, name))?.status?.conditions?.find((c) => c.type === type);
const envOf = async (namespace: string, deployment: string): Promise<Env[]> => {
  const d = await kube.get<Obj>(resourceOf('apps/v1', 'Deployment'), namespace, deployment);
  return (d?.['spec'] as { template: { spec: { containers: { env: Env[] }[] } } }).template.spec
    .containers[0]!.env;
};

const BOOTSTRAP = 'my-cluster-kafka-bootstrap.kafka.svc:9093';
const external = {
  bootstrapServers: BOOTSTRAP,
  tls: { caSecret: { name: 'my-cluster-cluster-ca-cert' } },
  sasl: { mechanism: 'scram-sha-512', secret: 'pipeline', username: 'pipeline' },
};

describe('the status on a real API server', () => {
  const f = operatorInFreshNamespace('status');

  it('names the external Kafka a stream uses, and the operator creates no Strimzi object for it', async () => {
    await kube.apply(aStream(f.ns, 'ext', { symbols: ['BTCUSDC'], intervals: ['1m'], kafka: { external } }));
    const kafka = await eventually(async () => {
      const c = await condition(f.ns, 'ext', 'Kafka');
      return c?.reason === 'External' ? c : undefined;
    }, 'the Kafka condition says External');
    assert.equal(kafka.status, 'True');
    assert.match(
      kafka.message,
      /^external Kafka my-cluster-kafka-bootstrap\.kafka\.svc:9093 \(TLS trusting the CA in Secret my-cluster-cluster-ca-cert/,
    );
    assert.equal((await stream(f.ns, 'ext'))?.status?.endpoints?.kafka, BOOTSTRAP);
    await eventually(
      async () =>
        (await kube.get(resourceOf('apps/v1', 'Deployment'), f.ns, 'ext-consumer-1m')) !== undefined,
      'the consumer Deployment exists',
    );
    await f.op.controller.queue.idle();
    assert.deepEqual(await strimziObjects(f.ns), []);

    const env = await envOf(f.ns, 'ext-producer');
    assert.deepEqual(
      env.find((e) => e.name === 'CRYPTOSTREAM_KAFKA_BROKERS'),
      { name: 'CRYPTOSTREAM_KAFKA_BROKERS', value: BOOTSTRAP },
    );
    assert.deepEqual(
      env.find((e) => e.name === 'CRYPTOSTREAM_KAFKA_SASL_PASSWORD'),
      {
        name: 'CRYPTOSTREAM_KAFKA_SASL_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'pipeline', key: 'password' } },
      },
    );
  });

  it('prunes the Strimzi Kafka of a stream that moves to an external Kafka', async () => {
    const spec = { symbols: ['BTCUSDC'], intervals: ['1m'] };
    await kube.apply(aStream(f.ns, 'moving', spec));
    await eventually(
      async () =>
        (await strimziObjects(f.ns)).filter((o) => o.metadata?.name?.startsWith('moving')).length === 5,
      'the Kafka, its node pool and the three topics (prices, dead letters, alerts) exist',
    );
    await kube.apply(aStream(f.ns, 'moving', { ...spec, kafka: { external } }));
    await eventually(
      async () =>
        (await strimziObjects(f.ns)).filter((o) => o.metadata?.name?.startsWith('moving')).length === 0,
      'the Strimzi objects are pruned',
    );
    const kafka = await eventually(async () => {
      const c = await condition(f.ns, 'moving', 'Kafka');
      return c?.reason === 'External' ? c : undefined;
    }, 'the Kafka condition says External');
    assert.equal((await stream(f.ns, 'moving'))?.status?.endpoints?.kafka, BOOTSTRAP);
    assert.equal(kafka.status, 'True');
  });

  it("says in the Grafana condition that Grafana's image cannot be pulled, and Ready does not wait for it", async () => {
    await kube.apply(
      aStream(f.ns, 'dash', {
        symbols: ['BTCUSDC'],
        intervals: ['1m'],
        kafka: { external },
        grafana: { image: 'registry.invalid/grafana:none' },
      }),
    );
    // The controller manager's ReplicaSet controller creates the pod; no kubelet runs here, so the test
    // reports what a kubelet reports when it cannot pull the image.
    const pod = await eventually(async () => {
      const pods = await kube.list<Obj>(
        POD,
        f.ns,
        'cryptostream.io/stream=dash,app.kubernetes.io/component=grafana',
      );
      return pods.items[0];
    }, 'the Grafana pod exists');
    const patched = await kube.request(
      'PATCH',
      `/api/v1/namespaces/${f.ns}/pods/${pod.metadata!.name!}/status`,
      {
        status: {
          containerStatuses: [
            {
              name: 'grafana',
              image: 'registry.invalid/grafana:none',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: {
                waiting: {
                  reason: 'ImagePullBackOff',
                  message: 'Back-off pulling image "registry.invalid/grafana:none"',
                },
              },
            },
          ],
        },
      },
      'application/strategic-merge-patch+json',
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));

    const grafana = await eventually(
      async () => {
        const c = await condition(f.ns, 'dash', 'Grafana');
        return c?.reason === 'ImagePullBackOff' ? c : undefined;
      },
      'the Grafana condition says ImagePullBackOff',
      60_000,
    );
    assert.equal(grafana.status, 'False');
    assert.match(grafana.message, /image registry\.invalid\/grafana:none: ImagePullBackOff/);
    const ready = await condition(f.ns, 'dash', 'Ready');
    assert.notEqual(ready?.reason, 'GrafanaNotReady');
    assert.doesNotMatch(ready?.message ?? '', /Grafana/);
  });
});
