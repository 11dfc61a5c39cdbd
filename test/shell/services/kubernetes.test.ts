import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  VersionApi,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { services } from '../../support/services.ts';

type Manifest = { kind: string; metadata: { name: string } } & Record<string, unknown>;

const strimziExamples = (version: string, file: string): Manifest[] =>
  parseAllDocuments(
    readFileSync(
      join(
        import.meta.dirname,
        '..',
        '..',
        '..',
        '..',
        'shared',
        'vendor',
        'strimzi',
        version,
        'examples',
        file,
      ),
      'utf8',
    ),
  ).map((doc) => doc.toJS() as Manifest);

const plurals: Readonly<Record<string, string>> = {
  Kafka: 'kafkas',
  KafkaNodePool: 'kafkanodepools',
  KafkaTopic: 'kafkatopics',
};

/** The `message` of the Kubernetes `Status` an API call failed with. */
const statusMessage = (error: unknown): string => {
  assert.ok(error instanceof ApiException, String(error));
  assert.equal(error.code, 422);
  const status = JSON.parse(String(error.body)) as { reason?: string; message?: string };
  assert.equal(status.reason, 'Invalid');
  return status.message ?? '';
};

/** Polls until `read` returns a value; the API server's controllers work asynchronously. */
const eventually = async <T>(what: string, read: () => Promise<T | undefined>): Promise<T> => {
  for (let attempt = 0; attempt < 240; attempt++) {
    const value = await read();
    if (value !== undefined) return value;
    await sleep(250);
  }
  throw new Error(`gave up waiting for ${what}`);
};

/** Clients and a fresh namespace, made on first use: each test asks for them, so that without the servers every
 * test fails with the reason. */
const connect = async () => {
  const { kube } = services();
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = `smoke-${randomUUID().slice(0, 8)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  return {
    kube,
    kc,
    core,
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    namespace,
  };
};

describe('local Kubernetes API server and controller manager (@kubernetes/client-node)', () => {
  let connected: ReturnType<typeof connect> | undefined;
  const cluster = () => (connected ??= connect());
  after(async () => {
    // The namespace controller deletes what is left inside; nothing waits for it.
    const made = await connected?.catch(() => undefined);
    await made?.core.deleteNamespace({ name: made.namespace });
  });

  it('reports the pinned Kubernetes release as its version', async () => {
    const { kube, kc } = await cluster();
    const version = await kc.makeApiClient(VersionApi).getCode();
    assert.equal(version.gitVersion, `v${kube.version}`);
  });

  it('lets the controller manager create the ReplicaSet of a new Deployment', async () => {
    const { apps, namespace } = await cluster();
    const labels = { app: 'smoke' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'smoke' },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'smoke', image: 'busybox:1.36' }] },
          },
        },
      },
    });
    const replicaSet = await eventually<V1ReplicaSet>('the ReplicaSet of Deployment smoke', async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace });
      return list.items[0];
    });
    const owner = replicaSet.metadata?.ownerReferences?.[0];
    assert.equal(owner?.kind, 'Deployment');
    assert.equal(owner?.name, 'smoke');
    assert.equal(owner?.controller, true);
  });

  it('gives every new namespace its default ServiceAccount', async () => {
    const { core, namespace } = await cluster();
    const account = await eventually('ServiceAccount default', async () => {
      const list = await core.listNamespacedServiceAccount({ namespace });
      return list.items.find((a) => a.metadata?.name === 'default');
    });
    assert.equal(account.metadata?.namespace, namespace);
  });

  it('accepts the Strimzi Kafka, KafkaNodePool and KafkaTopic examples in a server-side dry run', async () => {
    const { kube, custom, namespace } = await cluster();
    const manifests = [
      ...strimziExamples(kube.strimziVersion, 'kafka-single-node.yaml'),
      ...strimziExamples(kube.strimziVersion, 'kafka-topic.yaml'),
    ];
    assert.deepEqual(manifests.map((m) => m.kind).sort(), ['Kafka', 'KafkaNodePool', 'KafkaTopic']);
    for (const body of manifests) {
      const created = (await custom.createNamespacedCustomObject({
        group: 'kafka.strimzi.io',
        version: 'v1',
        namespace,
        plural: plurals[body.kind] ?? '',
        body,
        dryRun: 'All',
        fieldValidation: 'Strict',
      })) as Manifest;
      assert.equal(created.kind, body.kind);
      assert.equal(created.metadata.name, body.metadata.name);
    }
    const stored = (await custom.listNamespacedCustomObject({
      group: 'kafka.strimzi.io',
      version: 'v1',
      namespace,
      plural: 'kafkas',
    })) as { items: unknown[] };
    assert.deepEqual(stored.items, []);
  });

  it('rejects a Kafka whose listener type is not one Strimzi supports', async () => {
    const { kube, custom, namespace } = await cluster();
    const [kafka] = strimziExamples(kube.strimziVersion, 'kafka-single-node.yaml').filter(
      (m) => m.kind === 'Kafka',
    );
    assert.ok(kafka);
    const spec = kafka['spec'] as { kafka: { listeners: { type: string }[] } };
    const [listener] = spec.kafka.listeners;
    assert.ok(listener);
    listener.type = 'public';
    await assert.rejects(
      custom.createNamespacedCustomObject({
        group: 'kafka.strimzi.io',
        version: 'v1',
        namespace,
        plural: 'kafkas',
        body: kafka,
        dryRun: 'All',
      }),
      (error: unknown) => {
        assert.match(statusMessage(error), /spec\.kafka\.listeners\[0\]\.type: Unsupported value: "public"/);
        return true;
      },
    );
  });

  it('rejects a KafkaTopic with zero partitions', async () => {
    const { kube, custom, namespace } = await cluster();
    const [topic] = strimziExamples(kube.strimziVersion, 'kafka-topic.yaml');
    assert.ok(topic);
    await assert.rejects(
      custom.createNamespacedCustomObject({
        group: 'kafka.strimzi.io',
        version: 'v1',
        namespace,
        plural: 'kafkatopics',
        body: { ...topic, spec: { ...(topic['spec'] as object), partitions: 0 } },
        dryRun: 'All',
      }),
      (error: unknown) => {
        assert.match(
          statusMessage(error),
          /spec\.partitions: Invalid value: 0: spec\.partitions in body should be greater than or equal to 1/,
        );
        return true;
      },
    );
  });
});
