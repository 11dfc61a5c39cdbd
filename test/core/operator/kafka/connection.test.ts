import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { kindAndName } from '../../../../src/core/operator/child.ts';
import type { Child } from '../../../../src/core/operator/child.ts';
import { desiredState } from '../../../../src/core/operator/desiredState.ts';
import { aCryptoStream, inputs } from '../aCryptoStream.ts';

const podSpecOf = (children: Child[], name: string): V1PodSpec => {
  const found = children.find((c) => kindAndName(c) === `Deployment/${name}`);
  assert.ok(found, `Deployment/${name} is desired`);
  return (found as Child & { spec: { template: { spec: V1PodSpec } } }).spec.template.spec;
};
const containerOf = (children: Child[], name: string): V1Container =>
  podSpecOf(children, name).containers[0]!;
const envOf = (children: Child[], name: string) =>
  Object.fromEntries(containerOf(children, name).env!.map((e) => [e.name, e.value ?? e.valueFrom]));

const external = (more: Record<string, unknown> = {}) =>
  aCryptoStream({
    intervals: ['1m', '1h'],
    kafka: {
      partitions: 6,
      retentionHours: 24,
      external: { bootstrapServers: 'kafka.example.com:9093', ...more },
    },
  });

describe('a stream on an external Kafka', () => {
  const children = desiredState(external(), inputs);

  it('has no Strimzi Kafka, node pool or topics: the rest of the pipeline only', () => {
    assert.deepEqual(
      children.filter((c) => c.apiVersion.startsWith('kafka.strimzi.io/')).map(kindAndName),
      [],
    );
    const inCluster = desiredState(aCryptoStream({ intervals: ['1m', '1h'] }), inputs);
    assert.deepEqual(
      children.map(kindAndName),
      inCluster.map(kindAndName).filter((n) => !/^Kafka(NodePool|Topic)?\//.test(n)),
    );
    assert.equal(children.length, 25);
  });

  it('gives producers and consumers its bootstrap servers and the topics the operator would have created', () => {
    for (const name of ['demo-producer', 'demo-consumer-1h']) {
      const env = envOf(children, name);
      assert.equal(env['CRYPTOSTREAM_KAFKA_BROKERS'], 'kafka.example.com:9093', name);
      assert.equal(env['CRYPTOSTREAM_TOPIC_PREFIX'], 'cryptostream.markets.demo.prices-', name);
      assert.equal(env['CRYPTOSTREAM_TOPIC_PARTITIONS'], '6', name);
      assert.equal(env['CRYPTOSTREAM_TOPIC_RETENTION_MS'], String(24 * 3_600_000), name);
      assert.equal(env['CRYPTOSTREAM_TOPIC_REPLICATION_FACTOR'], undefined, "the brokers' default");
    }
  });

  it("keeps its topics and consumer groups apart from other streams' on the shared Kafka", () => {
    assert.equal(
      envOf(children, 'demo-consumer-1h')['CRYPTOSTREAM_CONSUMER_GROUP'],
      'cryptostream.markets.demo.consumer-1h',
    );
    const demo = aCryptoStream({ kafka: { external: { bootstrapServers: 'kafka.example.com:9093' } } });
    const other = desiredState({ ...demo, metadata: { ...demo.metadata, name: 'other' } }, inputs);
    assert.equal(
      envOf(other, 'other-consumer-1m')['CRYPTOSTREAM_TOPIC_PREFIX'],
      'cryptostream.markets.other.prices-',
    );
    assert.equal(
      envOf(other, 'other-consumer-1m')['CRYPTOSTREAM_CONSUMER_GROUP'],
      'cryptostream.markets.other.consumer-1m',
    );
    // A stream's own Strimzi Kafka keeps the plain names.
    const own = desiredState(aCryptoStream(), inputs);
    assert.equal(envOf(own, 'demo-consumer-1m')['CRYPTOSTREAM_TOPIC_PREFIX'], 'prices-');
    assert.equal(envOf(own, 'demo-consumer-1m')['CRYPTOSTREAM_CONSUMER_GROUP'], 'consumer-1m');
  });

  it('uses no TLS, no SASL and mounts nothing when the resource asks for neither', () => {
    const env = envOf(children, 'demo-consumer-1m');
    for (const name of Object.keys(env)) assert.doesNotMatch(name, /TLS|CA_FILE|SASL/);
    assert.deepEqual(
      podSpecOf(children, 'demo-consumer-1m').volumes?.map((v) => v.name),
      ['tmp'],
    );
  });

  it('creates topics with the replication factor of the resource when it sets one', () => {
    const env = envOf(desiredState(external({ replicationFactor: 3 }), inputs), 'demo-producer');
    assert.equal(env['CRYPTOSTREAM_TOPIC_REPLICATION_FACTOR'], '3');
  });

  it("turns TLS on with the system's root certificates when tls is empty", () => {
    const tls = desiredState(external({ tls: {} }), inputs);
    const env = envOf(tls, 'demo-producer');
    assert.equal(env['CRYPTOSTREAM_KAFKA_TLS'], 'true');
    assert.equal(env['CRYPTOSTREAM_KAFKA_CA_FILE'], undefined);
    assert.deepEqual(
      podSpecOf(tls, 'demo-producer').volumes?.map((v) => v.name),
      ['tmp'],
    );
  });

  it("mounts the CA certificate from the resource's Secret key and points the workers at the file", () => {
    const tls = desiredState(external({ tls: { caSecret: { name: 'my-cluster-cluster-ca-cert' } } }), inputs);
    for (const name of ['demo-producer', 'demo-consumer-1m']) {
      assert.equal(envOf(tls, name)['CRYPTOSTREAM_KAFKA_CA_FILE'], '/etc/cryptostream/kafka-ca/ca.crt');
      assert.deepEqual(podSpecOf(tls, name).volumes?.at(-1), {
        name: 'kafka-ca',
        secret: { secretName: 'my-cluster-cluster-ca-cert', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
      });
      assert.deepEqual(containerOf(tls, name).volumeMounts?.at(-1), {
        name: 'kafka-ca',
        mountPath: '/etc/cryptostream/kafka-ca',
        readOnly: true,
      });
    }
    const otherKey = desiredState(external({ tls: { caSecret: { name: 'ca', key: 'root.pem' } } }), inputs);
    assert.deepEqual(podSpecOf(otherKey, 'demo-producer').volumes?.at(-1)?.secret?.items, [
      { key: 'root.pem', path: 'ca.crt' },
    ]);
  });

  it('passes the SASL credentials as references to the Secret, never as values', () => {
    const sasl = desiredState(
      external({ tls: {}, sasl: { mechanism: 'scram-sha-512', secret: 'kafka-user' } }),
      inputs,
    );
    for (const name of ['demo-producer', 'demo-consumer-1h']) {
      const env = envOf(sasl, name);
      assert.equal(env['CRYPTOSTREAM_KAFKA_SASL_MECHANISM'], 'scram-sha-512');
      assert.deepEqual(env['CRYPTOSTREAM_KAFKA_SASL_USERNAME'], {
        secretKeyRef: { name: 'kafka-user', key: 'username' },
      });
      assert.deepEqual(env['CRYPTOSTREAM_KAFKA_SASL_PASSWORD'], {
        secretKeyRef: { name: 'kafka-user', key: 'password' },
      });
    }
    const secret = sasl.find((c) => c.kind === 'Secret')!;
    assert.deepEqual(Object.keys(secret['data'] as object).sort(), [
      'admin-password',
      'admin-user',
      'influxdb-password',
      'influxdb-token',
      'influxdb-username',
    ]);
  });

  it("takes the user name from the resource when it names one, as for a Strimzi KafkaUser's Secret", () => {
    const env = envOf(
      desiredState(
        external({ sasl: { mechanism: 'scram-sha-256', secret: 'pipeline', username: 'pipeline' } }),
        inputs,
      ),
      'demo-consumer-1m',
    );
    assert.equal(env['CRYPTOSTREAM_KAFKA_SASL_USERNAME'], 'pipeline');
    assert.deepEqual(env['CRYPTOSTREAM_KAFKA_SASL_PASSWORD'], {
      secretKeyRef: { name: 'pipeline', key: 'password' },
    });
  });

  it('keeps Grafana, InfluxDB and their NetworkPolicies as with the in-cluster Kafka', () => {
    const inCluster = desiredState(aCryptoStream({ intervals: ['1m', '1h'] }), inputs);
    // The workers' Deployments and NetworkPolicies (their way to Kafka) differ: test/core/operator/network/.
    const workers = ['NetworkPolicy/demo-producers', 'NetworkPolicy/demo-consumers'];
    const same = (c: Child) =>
      !c.apiVersion.startsWith('kafka.strimzi.io/') &&
      c.kind !== 'Deployment' &&
      !workers.includes(kindAndName(c));
    assert.deepEqual(children.filter(same), inCluster.filter(same));
    assert.deepEqual(
      children.find((c) => kindAndName(c) === 'Deployment/demo-grafana'),
      inCluster.find((c) => kindAndName(c) === 'Deployment/demo-grafana'),
    );
  });
});
