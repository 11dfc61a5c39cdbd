import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awaitKafka, connectionOf, KafkaUnreachable } from '../../../src/shell/kafka/client.ts';
import { services } from '../../support/services.ts';

describe("the kafkajs options of a worker's Kafka settings", () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kafka-ca-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are none for a plaintext Kafka without authentication', () => {
    assert.deepEqual(connectionOf({}), {});
    assert.deepEqual(connectionOf(), {});
  });

  it("trust the system's root certificates, or only the CA certificate read from its file", () => {
    assert.deepEqual(connectionOf({ tls: {} }), { ssl: true });
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const file = join(dir, 'ca.crt');
    writeFileSync(file, pem);
    assert.deepEqual(connectionOf({ tls: { caFile: file } }), { ssl: { ca: [pem] } });
  });

  it('authenticate with the SASL mechanism, user name and password', () => {
    assert.deepEqual(
      connectionOf({ tls: {}, sasl: { mechanism: 'scram-sha-512', username: 'pipeline', password: 'p' } }),
      { ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'pipeline', password: 'p' } },
    );
  });
});

describe('the start-up wait for Kafka', () => {
  it('returns as soon as the running Kafka answers', async () => {
    const started = Date.now();
    await awaitKafka(services().kafka.brokers, {}, 5000);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  });

  it('gives up at its deadline, naming the brokers and the last failure', async () => {
    const started = Date.now();
    await assert.rejects(awaitKafka(['127.0.0.1:1'], {}, 1500), (e: unknown) => {
      assert.ok(e instanceof KafkaUnreachable);
      assert.match(
        e.message,
        /^Kafka at 127\.0\.0\.1:1 did not answer within 1.5 s \(last failure: .*ECONNREFUSED/,
      );
      return true;
    });
    const took = Date.now() - started;
    assert.ok(took >= 1500 && took < 3500, `took ${took} ms`);
  });
});
