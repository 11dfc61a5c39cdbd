import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { logLevel, type Kafka } from 'kafkajs';
import { bareKafka } from '../../support/kafka.ts';
import { services } from '../../support/services.ts';

// Each test reads the endpoints itself, so that without the servers every test fails with the reason.
const connect = (): Kafka =>
  bareKafka({ clientId: 'services-smoke', brokers: [...services().kafka.brokers], logLevel: logLevel.ERROR });

describe('local Kafka broker (kafkajs)', () => {
  it('describes a one-broker cluster with a cluster id', async () => {
    const admin = connect().admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      assert.equal(cluster.brokers.length, 1);
      assert.match(cluster.clusterId, /^[\w-]{22}$/);
    } finally {
      await admin.disconnect();
    }
  });

  it('creates a topic, produces to it and consumes it in a group that commits its offsets', async () => {
    const kafka = connect();
    const topic = `smoke-${randomUUID()}`;
    const groupId = `smoke-group-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
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
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
