import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kafkaSettings, kafkaSpec } from '../../../src/shell/kafka/settings.ts';
import { readSettings } from '../../../src/shell/observability/settings.ts';

/** The Kafka settings a worker reads from these variables (and no flags). */
const fromEnv = (env: Record<string, string>) => {
  const settings = readSettings([], kafkaSpec, env);
  assert.ok(settings.ok);
  return kafkaSettings(settings.value.values as Record<keyof typeof kafkaSpec, string | undefined>);
};

describe('the Kafka settings of a worker', () => {
  it('default to the local plaintext broker, topics of 4 partitions and the broker’s retention', () => {
    assert.deepEqual(fromEnv({}), {
      ok: true,
      value: { brokers: ['127.0.0.1:9092'], security: {}, topicPrefix: 'prices-', partitions: 4 },
    });
  });

  it('read what the operator sets for an external Kafka with TLS and SCRAM', () => {
    assert.deepEqual(
      fromEnv({
        CRYPTOSTREAM_KAFKA_BROKERS: 'b-1.example.com:9096, b-2.example.com:9096',
        CRYPTOSTREAM_KAFKA_TLS: 'true',
        CRYPTOSTREAM_KAFKA_CA_FILE: '/etc/cryptostream/kafka-ca/ca.crt',
        CRYPTOSTREAM_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        CRYPTOSTREAM_KAFKA_SASL_USERNAME: 'pipeline',
        CRYPTOSTREAM_KAFKA_SASL_PASSWORD: 'secret',
        CRYPTOSTREAM_TOPIC_PARTITIONS: '6',
        CRYPTOSTREAM_TOPIC_RETENTION_MS: '86400000',
        CRYPTOSTREAM_TOPIC_REPLICATION_FACTOR: '3',
      }),
      {
        ok: true,
        value: {
          brokers: ['b-1.example.com:9096', 'b-2.example.com:9096'],
          security: {
            tls: { caFile: '/etc/cryptostream/kafka-ca/ca.crt' },
            sasl: { mechanism: 'scram-sha-512', username: 'pipeline', password: 'secret' },
          },
          topicPrefix: 'prices-',
          partitions: 6,
          retentionMs: 86_400_000,
          replicationFactor: 3,
        },
      },
    );
  });

  it('bound the start-up wait for Kafka in seconds', () => {
    const bounded = fromEnv({ CRYPTOSTREAM_KAFKA_CONNECT_TIMEOUT: '5' });
    assert.equal(bounded.ok && bounded.value.connectTimeoutMs, 5000);
    assert.deepEqual(fromEnv({ CRYPTOSTREAM_KAFKA_CONNECT_TIMEOUT: '0' }), {
      ok: false,
      error: '--kafka-connect-timeout must be at least 1, got 0',
    });
  });

  it("turn TLS on with the system's root certificates, or by naming a CA file alone", () => {
    const tls = fromEnv({ CRYPTOSTREAM_KAFKA_TLS: 'true' });
    assert.deepEqual(tls.ok && tls.value.security, { tls: {} });
    const ca = fromEnv({ CRYPTOSTREAM_KAFKA_CA_FILE: '/ca.pem' });
    assert.deepEqual(ca.ok && ca.value.security, { tls: { caFile: '/ca.pem' } });
    const off = fromEnv({ CRYPTOSTREAM_KAFKA_TLS: 'false' });
    assert.deepEqual(off.ok && off.value.security, {});
  });

  it('say what is wrong, without showing the password', () => {
    const wrong: [Record<string, string>, RegExp][] = [
      [{ CRYPTOSTREAM_KAFKA_TLS: 'yes' }, /--kafka-tls needs true or false, got "yes"/],
      [
        { CRYPTOSTREAM_KAFKA_TLS: 'false', CRYPTOSTREAM_KAFKA_CA_FILE: '/ca.pem' },
        /--kafka-ca-file needs TLS/,
      ],
      [
        { CRYPTOSTREAM_KAFKA_SASL_MECHANISM: 'gssapi' },
        /--kafka-sasl-mechanism needs one of scram-sha-256, scram-sha-512, plain, got "gssapi"/,
      ],
      [
        { CRYPTOSTREAM_KAFKA_SASL_MECHANISM: 'scram-sha-256', CRYPTOSTREAM_KAFKA_SASL_PASSWORD: 'hunter2' },
        /scram-sha-256 needs --kafka-sasl-username and --kafka-sasl-password/,
      ],
      [{ CRYPTOSTREAM_KAFKA_SASL_PASSWORD: 'hunter2' }, /need --kafka-sasl-mechanism/],
      [{ CRYPTOSTREAM_TOPIC_PARTITIONS: '0' }, /--topic-partitions must be at least 1, got 0/],
      [{ CRYPTOSTREAM_TOPIC_RETENTION_MS: 'week' }, /--topic-retention-ms needs a number, got "week"/],
      [{ CRYPTOSTREAM_KAFKA_BROKERS: ' , ' }, /--kafka-brokers needs at least one host:port/],
    ];
    for (const [env, message] of wrong) {
      const result = fromEnv(env);
      assert.ok(!result.ok, JSON.stringify(env));
      assert.match(result.error, message);
      assert.doesNotMatch(result.error, /hunter2/);
    }
  });
});
