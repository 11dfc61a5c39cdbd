import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindAndName } from '../../../../src/core/operator/child.ts';
import type { Child } from '../../../../src/core/operator/child.ts';
import { desiredState } from '../../../../src/core/operator/desiredState.ts';
import { aCryptoStream, inputs } from '../aCryptoStream.ts';
import { guarded, reaches } from './reach.ts';
import type { Endpoint, Labels } from './reach.ts';

const policiesOf = (children: readonly Child[]) => children.filter((c) => c.kind === 'NetworkPolicy');

/** The labels of a workload's pods, as its template gives them. */
type Pod = { readonly pod: Labels };

const podOf = (children: readonly Child[], id: string): Pod => {
  const workload = children.find((c) => kindAndName(c) === id);
  assert.ok(workload, `${id} is desired`);
  return {
    pod: (workload['spec'] as { template: { metadata: { labels: Labels } } }).template.metadata.labels,
  };
};

/**
 * A pod Strimzi runs for the stream's Kafka, labelled as Strimzi labels it (Labels.generateDefaultLabels):
 * the Kafka's own labels except app.kubernetes.io/* other than part-of, then Strimzi's, among them
 * app.kubernetes.io/instance = the Kafka's name, which is the stream's.
 */
const strimziPod = (children: readonly Child[], role: Labels): Pod => {
  const kafka = children.find((c) => kindAndName(c) === 'Kafka/demo')!;
  const copied = Object.entries(kafka.metadata.labels ?? {}).filter(
    ([k]) => !/^app\.kubernetes\.io\/(?!part-of)/.test(k),
  );
  return {
    pod: {
      ...Object.fromEntries(copied),
      'strimzi.io/cluster': 'demo',
      'strimzi.io/kind': 'Kafka',
      'strimzi.io/name': 'demo-kafka',
      'app.kubernetes.io/name': 'kafka',
      'app.kubernetes.io/instance': 'demo',
      'app.kubernetes.io/part-of': 'strimzi-demo',
      'app.kubernetes.io/managed-by': 'strimzi-cluster-operator',
      ...role,
    },
  };
};

describe("a stream's NetworkPolicies", () => {
  const children = desiredState(aCryptoStream({ intervals: ['1m', '1h'] }), inputs);
  const policies = policiesOf(children);
  const producer = podOf(children, 'Deployment/demo-producer');
  const consumer = podOf(children, 'Deployment/demo-consumer-1h');
  const influxdb = podOf(children, 'StatefulSet/demo-influxdb');
  const grafana = podOf(children, 'Deployment/demo-grafana');
  const broker = strimziPod(children, {
    'strimzi.io/pool-name': 'demo-pool',
    'strimzi.io/broker-role': 'true',
    'strimzi.io/controller-role': 'true',
  });
  const entityOperator = strimziPod(children, { 'strimzi.io/name': 'demo-entity-operator' });
  const anotherApp: Pod = { pod: { app: 'payments', 'app.kubernetes.io/instance': 'payments' } };

  it('are a default deny and one policy per need, owned by the stream', () => {
    assert.deepEqual(policies.map(kindAndName), [
      'NetworkPolicy/demo-dns',
      'NetworkPolicy/demo-producers',
      'NetworkPolicy/demo-consumers',
      'NetworkPolicy/demo-influxdb',
      'NetworkPolicy/demo-grafana',
      'NetworkPolicy/demo-default-deny',
    ]);
    for (const p of policies) {
      assert.equal(p.metadata.namespace, 'markets');
      assert.equal(p.metadata.labels?.['cryptostream.io/stream'], 'demo');
      assert.deepEqual(
        p.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.controller]),
        [['CryptoStream', 'demo', true]],
      );
    }
  });

  it("deny everything in and out of the pods the operator runs, by the stream's labels, not the namespace", () => {
    const deny = policies.find((p) => p.metadata.name === 'demo-default-deny')!;
    assert.deepEqual(deny['spec'], {
      podSelector: {
        matchLabels: { 'cryptostream.io/stream': 'demo' },
        matchExpressions: [
          {
            key: 'app.kubernetes.io/component',
            operator: 'In',
            values: ['producer', 'consumer', 'influxdb', 'grafana'],
          },
        ],
      },
      policyTypes: ['Ingress', 'Egress'],
    });
    for (const { pod } of [producer, consumer, influxdb, grafana]) assert.ok(guarded([deny], pod));
    assert.ok(!guarded(policies, anotherApp.pod), 'other apps of the namespace');
  });

  it("leave Strimzi's pods to Strimzi, though they carry the stream's name and labels", () => {
    for (const { pod: labels } of [broker, entityOperator]) {
      assert.equal(labels['cryptostream.io/stream'], 'demo');
      assert.equal(labels['app.kubernetes.io/instance'], 'demo');
      assert.ok(!guarded(policies, labels));
    }
    assert.ok(reaches(policies, broker, broker, 9091), 'replication between brokers');
    assert.ok(reaches(policies, entityOperator, 'outside', 443), 'the Topic Operator to the API server');
  });

  it('let the producers reach Binance on 443 at any address, the Kafka brokers on 9092 and InfluxDB', () => {
    assert.ok(reaches(policies, producer, 'outside', 443));
    assert.ok(reaches(policies, producer, broker, 9092));
    assert.ok(reaches(policies, producer, influxdb, 8086), 'holes of the stored series, health points');
    assert.ok(!reaches(policies, producer, 'outside', 80));
    assert.ok(!reaches(policies, producer, entityOperator, 9092), 'only the brokers');
    assert.ok(!reaches(policies, producer, influxdb, 8087), "InfluxDB's port only");
    assert.ok(!reaches(policies, producer, grafana, 3000));
  });

  it('let the consumers reach the Kafka brokers and InfluxDB, nothing else', () => {
    assert.ok(reaches(policies, consumer, broker, 9092));
    assert.ok(reaches(policies, consumer, influxdb, 8086));
    assert.ok(!reaches(policies, consumer, 'outside', 443));
    assert.ok(!reaches(policies, consumer, grafana, 3000));
  });

  it('let Grafana reach InfluxDB only, and InfluxDB reach nothing', () => {
    assert.ok(reaches(policies, grafana, influxdb, 8086));
    assert.ok(!reaches(policies, grafana, broker, 9092));
    assert.ok(!reaches(policies, grafana, 'outside', 443), 'no plugin downloads or update checks');
    for (const [to, port] of [
      ['outside', 443],
      ['outside', 53],
      [broker, 9092],
    ] as const)
      assert.ok(!reaches(policies, influxdb, to, port));
  });

  it('let every pod that resolves names ask any DNS server (UDP and TCP 53); InfluxDB resolves nothing', () => {
    for (const pod of [producer, consumer, grafana])
      for (const protocol of ['UDP', 'TCP'] as const)
        assert.ok(reaches(policies, pod, 'outside', 53, protocol));
    assert.ok(!reaches(policies, influxdb, 'outside', 53, 'UDP'));
    assert.ok(!reaches(policies, producer, 'outside', 5353, 'UDP'));
  });

  it("let them reach the cluster's DNS pods on the port they listen on behind the DNS Service's port 53, by its name", () => {
    // A rule's port is the destination pod's, after the Service's DNAT: the one-node cluster's CoreDNS listens on
    // 1053 (not root), OpenShift's dns-default on 5353; both, like kubeadm's CoreDNS, name them dns and dns-tcp.
    const dnsPod = (port: number): Endpoint => ({
      pod: { 'k8s-app': 'kube-dns' },
      ports: { dns: { port, protocol: 'UDP' }, 'dns-tcp': { port, protocol: 'TCP' } },
    });
    for (const port of [53, 1053, 5353])
      for (const pod of [producer, consumer, grafana])
        for (const protocol of ['UDP', 'TCP'] as const)
          assert.ok(reaches(policies, pod, dnsPod(port), port, protocol), `${port}/${protocol}`);
    const dns = policies.find((p) => p.metadata.name === 'demo-dns')!;
    assert.deepEqual((dns['spec'] as { egress: unknown }).egress, [
      {
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
          { protocol: 'UDP', port: 'dns' },
          { protocol: 'TCP', port: 'dns-tcp' },
        ],
      },
    ]);
    // Only a port of that name and protocol, on a pod that declares it; InfluxDB still resolves nothing.
    assert.ok(!reaches(policies, producer, 'outside', 1053, 'UDP'));
    assert.ok(
      !reaches(
        policies,
        producer,
        { pod: { app: 'x' }, ports: { other: { port: 1053, protocol: 'UDP' } } },
        1053,
        'UDP',
      ),
    );
    assert.ok(!reaches(policies, producer, dnsPod(1053), 9153, 'TCP'), "the DNS pods' other ports");
    assert.ok(!reaches(policies, influxdb, dnsPod(1053), 1053, 'UDP'));
  });

  it("admit users to Grafana's port and scrapers to the workers' metrics port from anywhere; InfluxDB only from its clients", () => {
    assert.ok(reaches(policies, 'outside', grafana, 3000));
    assert.ok(reaches(policies, anotherApp, grafana, 3000));
    for (const worker of [producer, consumer]) {
      assert.ok(reaches(policies, 'outside', worker, 8080));
      assert.ok(!reaches(policies, 'outside', worker, 9464));
    }
    assert.ok(!reaches(policies, 'outside', influxdb, 8086));
    assert.ok(!reaches(policies, anotherApp, influxdb, 8086));
    assert.ok(!reaches(policies, producer, consumer, 8080), 'no pod of the stream scrapes another');
  });

  it('take the Binance port from binance.baseUrl', () => {
    for (const [baseUrl, port, closed] of [
      ['http://binance-replay.markets.svc:8080', 8080, 443],
      ['https://api.binance.com:9443/', 9443, 443],
      ['http://binance-replay', 80, 443],
    ] as const) {
      const own = desiredState(aCryptoStream({ binance: { baseUrl } }), inputs);
      const pod = podOf(own, 'Deployment/demo-producer');
      assert.ok(reaches(policiesOf(own), pod, 'outside', port), baseUrl);
      assert.ok(!reaches(policiesOf(own), pod, 'outside', closed), baseUrl);
    }
  });

  it('let Grafana send its notifications: a webhook on 443 and 80, the SMTP server on its port; nothing more', () => {
    const notifying = desiredState(
      aCryptoStream({
        grafana: {
          notifications: {
            webhook: { urlSecret: { name: 'alerting', key: 'url' } },
            email: {
              addresses: ['ops@example.com'],
              smtp: { host: 'smtp.example.com:2525', from: 'cs@example.com' },
            },
          },
        },
      }),
      inputs,
    );
    const pod = podOf(notifying, 'Deployment/demo-grafana');
    for (const port of [443, 80, 2525])
      assert.ok(reaches(policiesOf(notifying), pod, 'outside', port), `${port}`);
    assert.ok(!reaches(policiesOf(notifying), pod, 'outside', 25));
    assert.ok(!reaches(policies, grafana, 'outside', 443), 'without notifications, no way out');
  });

  it('open InfluxDB from outside with a NodePort, and to nothing more without Grafana', () => {
    const exposed = policiesOf(desiredState(aCryptoStream({ influxdb: { nodePort: 30086 } }), inputs));
    assert.ok(reaches(exposed, 'outside', influxdb, 8086));
    const headless = desiredState(aCryptoStream({ grafana: { enabled: false } }), inputs);
    assert.ok(!policiesOf(headless).some((p) => p.metadata.name === 'demo-grafana'));
    assert.ok(!reaches(policiesOf(headless), grafana, influxdb, 8086), "a Grafana of the stream's labels");
    assert.ok(reaches(policiesOf(headless), podOf(headless, 'Deployment/demo-consumer-1m'), influxdb, 8086));
  });

  it('are none with networkPolicies.enabled false, not even InfluxDB’s', () => {
    const off = desiredState(aCryptoStream({ networkPolicies: { enabled: false } }), inputs);
    assert.deepEqual(policiesOf(off), []);
    assert.deepEqual(
      off.filter((c) => c.kind !== 'NetworkPolicy'),
      desiredState(aCryptoStream(), inputs).filter((c) => c.kind !== 'NetworkPolicy'),
    );
    assert.equal(aCryptoStream().spec.networkPolicies.enabled, true, 'on by default');
  });
});

describe('the NetworkPolicies of a stream on an external Kafka', () => {
  const external = (bootstrapServers: string) =>
    desiredState(aCryptoStream({ kafka: { external: { bootstrapServers } } }), inputs);

  it("let the workers reach the bootstrap servers' ports at any address, and no Strimzi pod", () => {
    const children = external(
      'b-1.example.amazonaws.com:9096,b-2.example.amazonaws.com:9096,b-3.example:9098',
    );
    const policies = policiesOf(children);
    for (const id of ['Deployment/demo-producer', 'Deployment/demo-consumer-1m']) {
      const worker = podOf(children, id);
      assert.ok(reaches(policies, worker, 'outside', 9096), id);
      assert.ok(reaches(policies, worker, 'outside', 9098), id);
      assert.ok(!reaches(policies, worker, 'outside', 9092), id);
    }
    const egress = (
      policies.find((p) => p.metadata.name === 'demo-consumers')!['spec'] as { egress: unknown[] }
    ).egress;
    assert.deepEqual(egress[0], {
      ports: [
        { protocol: 'TCP', port: 9096 },
        { protocol: 'TCP', port: 9098 },
      ],
    });
  });

  it('reach a Kafka in another namespace of the cluster on its port', () => {
    const children = external('my-cluster-kafka-bootstrap.kafka.svc:9093');
    assert.ok(reaches(policiesOf(children), podOf(children, 'Deployment/demo-consumer-1m'), 'outside', 9093));
  });
});
