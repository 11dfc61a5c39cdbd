import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { services } from '../../support/services.ts';

describe('local Kafka broker (kafkajs)', () => {
  const { kafka: endpoint } = services();
  const kafka = new Kafka({
    clientId: 'services-smoke',
    brokers: [...endpoint.brokers],
    logLevel: logLevel.ERROR,
  });
  const topic = `smoke-${randomUUID()}`;
  const groupId = `smoke-group-${randomUUID()}`;
  const admin: Admin = kafka.admin();

  before(async () => {
    await admin.connect();
  });
  after(async () => {
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('describes a one-broker cluster with a cluster id', async () => {
    const cluster = await admin.describeCluster();
    assert.equal(cluster.brokers.length, 1);
    assert.match(cluster.clusterId, /^[\w-]{22}$/);
  });

  it('creates a topic, produces to it and consumes it in a group that commits its offsets', async () => {
    assert.equal(
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }),
      true,
    );

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const values = ['a', 'b', 'c'];
    await producer.send({ topic, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            received.push(message.value?.toString() ?? '');
            const next = (BigInt(message.offset) + 1n).toString();
            await consumer.commitOffsets([{ topic, partition, offset: next }]);
            if (received.length === values.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();

    assert.deepEqual(received, values);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.deepEqual(committed?.partitions, [{ partition: 0, offset: '3', metadata: null }]);
  });
});
