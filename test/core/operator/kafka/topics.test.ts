import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindAndName } from '../../../../src/core/operator/child.ts';
import { desiredState } from '../../../../src/core/operator/desiredState.ts';
import { alertTopicOf } from '../../../../src/core/operator/kafka/topics.ts';
import { aCryptoStream, inputs } from '../aCryptoStream.ts';

describe('the alert topics', () => {
  const cr = aCryptoStream({ intervals: ['1m', '1h'], kafka: { retentionHours: 48, partitions: 3 } });
  const topics = desiredState(cr, inputs).filter((c) => c.kind === 'KafkaTopic');

  it('one per interval beside the prices and their dead letters: delete, never compact, the prices’ retention', () => {
    const alerts = topics.find((t) => kindAndName(t) === 'KafkaTopic/demo-alerts-1h')!;
    const prices = topics.find((t) => kindAndName(t) === 'KafkaTopic/demo-prices-1h')!;
    assert.deepEqual(alerts['spec'], {
      topicName: 'alerts-1h',
      partitions: 1,
      replicas: 1,
      config: { 'retention.ms': 48 * 3_600_000, 'cleanup.policy': 'delete' },
    });
    assert.deepEqual(
      (alerts['spec'] as { config: unknown }).config,
      (prices['spec'] as { config: unknown }).config,
    );
    assert.deepEqual(alerts.metadata.labels?.['strimzi.io/cluster'], 'demo');
    assert.equal(alerts.metadata.labels?.['cryptostream.io/interval'], '1h');
  });

  it('none on an external Kafka (the consumers create them), where the name takes the stream’s prefix', () => {
    const external = aCryptoStream({ kafka: { external: { bootstrapServers: 'kafka.example.com:9092' } } });
    assert.deepEqual(
      desiredState(external, inputs).filter((c) => c.kind === 'KafkaTopic'),
      [],
    );
    assert.equal(alertTopicOf(external, '1m'), 'cryptostream.markets.demo.alerts-1m');
    assert.equal(alertTopicOf(cr, '1m'), 'alerts-1m');
  });
});
