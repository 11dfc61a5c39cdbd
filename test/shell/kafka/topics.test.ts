import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import kafkajs, { type Admin } from 'kafkajs';
import { pino } from 'pino';
import { desiredState } from '../../../src/core/operator/desiredState.ts';
import { makeKafka } from '../../../src/shell/kafka/client.ts';
import { kafkaSettings, kafkaSpec } from '../../../src/shell/kafka/settings.ts';
import { awaitLeaders, ensureTopics, intervalTopics } from '../../../src/shell/kafka/topics.ts';
import { readSettings } from '../../../src/shell/observability/settings.ts';
import { aCryptoStream, inputs } from '../../core/operator/aCryptoStream.ts';
import { services } from '../../support/services.ts';

/**
 * The Kafka settings of the stream's 1m consumer as the operator writes them into its Deployment, pointed
 * at the local broker with a prefix of its own, read the way the worker reads its environment.
 */
const consumerSettingsOf = (kafka: Record<string, unknown>, prefix: string) => {
  const cr = aCryptoStream({ intervals: ['1m'], kafka });
  const deployment = desiredState(cr, inputs).find(
    (c) => c.metadata.name === 'demo-consumer-1m',
  ) as unknown as {
    spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
  };
  const env = Object.fromEntries(
    deployment.spec.template.spec.containers[0]!.env.flatMap((e) =>
      e.value === undefined ? [] : [[e.name, e.value]],
    ),
  );
  const settings = readSettings([], kafkaSpec, {
    ...env,
    CRYPTOSTREAM_KAFKA_BROKERS: services().kafka.brokers.join(','),
    CRYPTOSTREAM_TOPIC_PREFIX: prefix,
  });
  assert.ok(settings.ok);
  const options = kafkaSettings(settings.value.values as Record<keyof typeof kafkaSpec, string | undefined>);
  assert.ok(options.ok, JSON.stringify(options));
  return options.value;
};

const { ConfigResourceTypes } = kafkajs; // a CommonJS export Node cannot name

type Described = { partitions: number; replicas: number; config: Record<string, string> };

const describeTopic = async (admin: Admin, topic: string): Promise<Described> => {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const [configs] = (
    await admin.describeConfigs({
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'cleanup.policy'] },
      ],
      includeSynonyms: false,
    })
  ).resources;
  return {
    partitions: topics[0]!.partitions.length,
    replicas: topics[0]!.partitions[0]!.replicas.length,
    config: Object.fromEntries(configs!.configEntries.map((e) => [e.configName, e.configValue])),
  };
};

describe('the topics a worker creates at start, on a real Kafka', () => {
  let admin: Admin;
  const created: string[] = [];
  const prefix = () => `ext-${randomUUID().slice(0, 8)}-`;

  before(async () => {
    admin = makeKafka(services().kafka.brokers, 'test-topics', pino({ level: 'silent' })).admin();
    await admin.connect();
  });
  after(async () => {
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  it("are the interval's topic and its dead-letter topic, with the stream's partitions and retention", async () => {
    const options = consumerSettingsOf(
      { partitions: 6, retentionHours: 24, external: { bootstrapServers: 'kafka.example.com:9092' } },
      prefix(),
    );
    const { data, dlq } = intervalTopics(options, '1m');
    created.push(data.topic, dlq.topic);
    assert.equal(data.topic, `${options.topicPrefix}1m`);
    assert.equal(dlq.topic, `${options.topicPrefix}1m-dlq`);

    assert.deepEqual(await ensureTopics(admin, [data, dlq]), [data.topic, dlq.topic]);
    const day = String(24 * 3_600_000);
    assert.deepEqual(await describeTopic(admin, data.topic), {
      partitions: 6,
      replicas: 1, // the broker's default.replication.factor
      config: { 'retention.ms': day, 'cleanup.policy': 'delete' },
    });
    assert.deepEqual(await describeTopic(admin, dlq.topic), {
      partitions: 1,
      replicas: 1,
      config: { 'retention.ms': day, 'cleanup.policy': 'delete' },
    });
  });

  it('are created once: a second start, and two workers starting together, find them and change nothing', async () => {
    const options = consumerSettingsOf({ partitions: 5, retentionHours: 2 }, prefix());
    const { data, dlq } = intervalTopics(options, '1m');
    created.push(data.topic, dlq.topic);
    const [producer, consumer] = await Promise.all([
      ensureTopics(admin, [data]),
      ensureTopics(admin, [data, dlq]),
    ]);
    assert.ok(producer.length + consumer.length >= 2, 'each topic was created by one of them');
    assert.deepEqual(await ensureTopics(admin, [data, dlq]), []);
    assert.equal((await describeTopic(admin, data.topic)).partitions, 5);
    assert.equal((await describeTopic(admin, dlq.topic)).partitions, 1);
    assert.equal((await describeTopic(admin, data.topic)).config['retention.ms'], String(2 * 3_600_000));
  });

  it('are waited for until every partition has a leader, also when created by another worker without waiting', async () => {
    const topic = `${prefix()}1m`;
    created.push(topic);
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: false });
    await awaitLeaders(admin, [topic]);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(topics[0]!.partitions.length, 3);
    assert.ok(topics[0]!.partitions.every((p) => p.leader >= 0));
  });

  it('leave a topic that exists as it is, whatever its partitions and retention', async () => {
    const topic = `${prefix()}1m`;
    created.push(topic);
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const before = await describeTopic(admin, topic);
    assert.deepEqual(await ensureTopics(admin, [{ topic, partitions: 8, retentionMs: 1000 }]), []);
    assert.deepEqual(await describeTopic(admin, topic), before);
  });

  it('get the replication factor of the resource when it sets one (more than the brokers is refused)', async () => {
    const one = `${prefix()}1m`;
    created.push(one);
    await ensureTopics(admin, [{ topic: one, partitions: 1, replicationFactor: 1 }]);
    assert.equal((await describeTopic(admin, one)).replicas, 1);
    const three = `${prefix()}1m`;
    await assert.rejects(
      ensureTopics(admin, [{ topic: three, partitions: 1, replicationFactor: 3 }]),
      /could not create the topics: .*Replication-factor is invalid/,
    );
  });
});
