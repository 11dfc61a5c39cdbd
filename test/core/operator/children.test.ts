import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { kindAndName } from '../../../src/core/operator/child.ts';
import type { Child } from '../../../src/core/operator/child.ts';
import { desiredState } from '../../../src/core/operator/desiredState.ts';
import { aCryptoStream, inputs } from './aCryptoStream.ts';

const find = (children: Child[], id: string): Child & Record<string, unknown> => {
  const found = children.find((c) => kindAndName(c) === id);
  assert.ok(found, `${id} is desired`);
  return found as Child & Record<string, unknown>;
};
const spec = (c: Child): Record<string, unknown> => c['spec'] as Record<string, unknown>;
const data = (c: Child): Record<string, string> => c['data'] as Record<string, string>;

describe('the Kafka of a stream', () => {
  const children = desiredState(
    aCryptoStream({ intervals: ['1m'], kafka: { replicas: 3, partitions: 2 } }),
    inputs,
  );

  it('runs KRaft nodes that are broker and controller, on persistent volumes of the requested size', () => {
    const pool = find(children, 'KafkaNodePool/demo-pool');
    assert.equal(pool.metadata.labels?.['strimzi.io/cluster'], 'demo');
    assert.deepEqual(spec(pool), {
      replicas: 3,
      roles: ['controller', 'broker'],
      storage: {
        type: 'jbod',
        volumes: [
          { id: 0, type: 'persistent-claim', size: '10Gi', deleteClaim: true, kraftMetadata: 'shared' },
        ],
      },
    });
  });

  it('replicates three times with two in sync when there are three nodes', () => {
    const config = (spec(find(children, 'Kafka/demo'))['kafka'] as { config: Record<string, unknown> })
      .config;
    assert.equal(config['default.replication.factor'], 3);
    assert.equal(config['min.insync.replicas'], 2);
  });

  it("admits only this stream's producers and consumers to its listener", () => {
    const listeners = (
      spec(find(children, 'Kafka/demo'))['kafka'] as { listeners: { networkPolicyPeers: unknown[] }[] }
    ).listeners;
    assert.deepEqual(listeners[0]!.networkPolicyPeers, [
      {
        podSelector: {
          matchLabels: { 'app.kubernetes.io/component': 'producer', 'cryptostream.io/stream': 'demo' },
        },
      },
      {
        podSelector: {
          matchLabels: { 'app.kubernetes.io/component': 'consumer', 'cryptostream.io/stream': 'demo' },
        },
      },
    ]);
  });

  it('runs the Kafka and Topic Operator containers as the restricted Pod Security Standard asks; no topic finalizers', () => {
    const restricted = {
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    };
    const kafka = spec(find(children, 'Kafka/demo')) as {
      kafka: { template: unknown };
      entityOperator: { template: unknown };
    };
    assert.deepEqual(kafka.kafka.template, { kafkaContainer: { securityContext: restricted } });
    assert.deepEqual(kafka.entityOperator.template, {
      topicOperatorContainer: {
        securityContext: restricted,
        env: [{ name: 'STRIMZI_USE_FINALIZERS', value: 'false' }],
      },
    });
  });

  it('gives each interval a topic with a partition per consumer replica at least, and a one-partition DLQ', () => {
    assert.deepEqual(spec(find(children, 'KafkaTopic/demo-prices-1m')), {
      topicName: 'prices-1m',
      partitions: 4,
      replicas: 3,
      config: { 'retention.ms': 168 * 3_600_000, 'cleanup.policy': 'delete' },
    });
    assert.equal(spec(find(children, 'KafkaTopic/demo-prices-1m-dlq'))['topicName'], 'prices-1m-dlq');
    assert.equal(spec(find(children, 'KafkaTopic/demo-prices-1m-dlq'))['partitions'], 1);
  });
});

describe('the InfluxDB of a stream', () => {
  const children = desiredState(aCryptoStream({ influxdb: { retentionDays: 7 } }), inputs);

  it('sets up the org, admin token and raw bucket at first start, then creates the enriched bucket', () => {
    const sts = find(children, 'StatefulSet/demo-influxdb');
    const env = (
      spec(sts)['template'] as { spec: { containers: { env: { name: string; value?: string }[] }[] } }
    ).spec.containers[0]!.env;
    const value = (name: string) => env.find((e) => e.name === name);
    assert.equal(value('DOCKER_INFLUXDB_INIT_MODE')?.value, 'setup');
    assert.equal(value('DOCKER_INFLUXDB_INIT_BUCKET')?.value, 'marketdata_raw');
    assert.equal(value('DOCKER_INFLUXDB_INIT_RETENTION')?.value, '7d');
    assert.match(
      data(find(children, 'ConfigMap/demo-influxdb-init'))['create-buckets.sh']!,
      /influx bucket create --name marketdata_enriched .* --retention "7d"/,
    );
  });

  it('has a start-up probe before liveness, and a write cache well inside its memory limit', () => {
    const container = (
      spec(find(children, 'StatefulSet/demo-influxdb'))['template'] as {
        spec: {
          containers: {
            startupProbe?: { httpGet: { path: string }; periodSeconds: number; failureThreshold: number };
            env: { name: string; value?: string }[];
            resources: { limits: { memory: string } };
          }[];
        };
      }
    ).spec.containers[0]!;
    assert.equal(container.startupProbe?.httpGet.path, '/health');
    assert.equal(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold, 300);
    const cache = Number(
      container.env.find((e) => e.name === 'INFLUXD_STORAGE_CACHE_MAX_MEMORY_SIZE')?.value,
    );
    assert.equal(container.resources.limits.memory, '1Gi');
    assert.ok(cache > 0 && cache <= (1024 * 1024 * 1024) / 4, `cache ${cache} bytes`);
  });

  it('keeps its data on a volume claimed from a template', () => {
    const claims = spec(find(children, 'StatefulSet/demo-influxdb'))['volumeClaimTemplates'] as {
      spec: unknown;
    }[];
    assert.deepEqual(claims[0]!.spec, {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '10Gi' } },
    });
  });

  it('deletes its volume and credentials with the stream unless retainOnDelete keeps both', () => {
    const policy = (c: Child[]) =>
      spec(find(c, 'StatefulSet/demo-influxdb'))['persistentVolumeClaimRetentionPolicy'];
    const owners = (c: Child[]) =>
      find(c, 'Secret/demo-credentials').metadata.ownerReferences?.map((o) => o.kind);
    assert.deepEqual(policy(children), { whenDeleted: 'Delete', whenScaled: 'Retain' });
    assert.deepEqual(owners(children), ['CryptoStream']);
    const kept = desiredState(aCryptoStream({ influxdb: { retainOnDelete: true } }), inputs);
    assert.deepEqual(policy(kept), { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(owners(kept), undefined, 'the Secret outlives the stream with the volume it opens');
  });

  it('stores the generated credentials in the Secret, base64 as Kubernetes keeps them', () => {
    const secret = data(find(children, 'Secret/demo-credentials'));
    assert.equal(atob(secret['influxdb-token']!), 'influx-token');
    assert.equal(atob(secret['admin-password']!), 'grafana-pass');
  });

  it('admits only the producer, the consumers and Grafana of the stream', () => {
    const policy = spec(find(children, 'NetworkPolicy/demo-influxdb'));
    const from = (
      policy['ingress'] as { from: { podSelector: { matchLabels: Record<string, string> } }[] }[]
    )[0]!.from;
    assert.deepEqual(
      from.map((f) => f.podSelector.matchLabels['app.kubernetes.io/component']),
      ['producer', 'consumer', 'grafana'],
    );
  });

  it('is governed by a headless Service, which gives its pod a stable DNS name; clients use the ClusterIP one', () => {
    const sts = spec(find(children, 'StatefulSet/demo-influxdb'));
    const headless = spec(find(children, 'Service/demo-influxdb-headless'));
    assert.equal(sts['serviceName'], 'demo-influxdb-headless');
    assert.equal(headless['clusterIP'], 'None');
    assert.deepEqual(headless['selector'], (sts['selector'] as { matchLabels: object }).matchLabels);
    const clients = spec(find(children, 'Service/demo-influxdb'));
    assert.equal(clients['clusterIP'], undefined, 'the Service clients use keeps its cluster IP');
    assert.deepEqual(clients['selector'], headless['selector']);
  });

  it('opens to clients outside the cluster only with a NodePort', () => {
    const exposed = desiredState(aCryptoStream({ influxdb: { nodePort: 30086 } }), inputs);
    const service = spec(find(exposed, 'Service/demo-influxdb'));
    assert.equal(service['type'], 'NodePort');
    assert.equal((service['ports'] as { nodePort: number }[])[0]!.nodePort, 30086);
    const from = (spec(find(exposed, 'NetworkPolicy/demo-influxdb'))['ingress'] as { from: unknown[] }[])[0]!
      .from;
    assert.deepEqual(from.at(-1), { ipBlock: { cidr: '0.0.0.0/0' } });
  });
});

describe('the InfluxDB and Grafana images', () => {
  const imagesOf = (children: Child[]) =>
    ['StatefulSet/demo-influxdb', 'Deployment/demo-grafana'].map(
      (id) =>
        (spec(find(children, id))['template'] as { spec: { containers: { image: string }[] } }).spec
          .containers[0]!.image,
    );

  it("are the operator's defaults when the spec names none", () => {
    assert.deepEqual(imagesOf(desiredState(aCryptoStream(), inputs)), [
      'influxdb:2.7.12',
      'grafana/grafana:12.1.1',
    ]);
    const upgraded = { influxdb: 'influxdb:2.7.13', grafana: 'grafana/grafana:12.2.0' };
    assert.deepEqual(imagesOf(desiredState(aCryptoStream(), { ...inputs, defaultImages: upgraded })), [
      'influxdb:2.7.13',
      'grafana/grafana:12.2.0',
    ]);
  });

  it("are the spec's when it names them, whatever the operator's defaults", () => {
    const own = aCryptoStream({
      influxdb: { image: 'mirror/influxdb:2.7' },
      grafana: { image: 'mirror/grafana:12' },
    });
    assert.deepEqual(
      imagesOf(desiredState(own, { ...inputs, defaultImages: { influxdb: 'x', grafana: 'y' } })),
      ['mirror/influxdb:2.7', 'mirror/grafana:12'],
    );
  });

  it('are not stored in the resource as defaults', () => {
    assert.equal(aCryptoStream().spec.influxdb.image, undefined);
    assert.equal(aCryptoStream().spec.grafana.image, undefined);
  });
});

describe('the Grafana of a stream', () => {
  const children = desiredState(
    aCryptoStream({ alerts: [{ name: 'btc-high', symbol: 'BTCUSDC', field: 'close', above: 100000 }] }),
    inputs,
  );
  const provisioning = data(find(children, 'ConfigMap/demo-grafana-provisioning'));

  it('provisions InfluxDB with Flux, the org and the token from its environment', () => {
    const ds = (parse(provisioning['datasources.yaml']!) as { datasources: Record<string, unknown>[] })
      .datasources[0]!;
    assert.equal(ds['url'], 'http://demo-influxdb:8086');
    assert.deepEqual(ds['jsonData'], {
      version: 'Flux',
      organization: '$INFLUX_ORG',
      defaultBucket: 'marketdata_enriched',
      tlsSkipVerify: false,
    });
    assert.deepEqual(ds['secureJsonData'], { token: '$INFLUX_TOKEN' });
  });

  it('ships a candlestick dashboard over the enriched candles', () => {
    const [file] = Object.values(data(find(children, 'ConfigMap/demo-grafana-dashboards')));
    const dashboard = JSON.parse(file!) as { panels: { type: string; targets: { query: string }[] }[] };
    assert.equal(dashboard.panels[0]!.type, 'candlestick');
    assert.match(
      dashboard.panels[0]!.targets[0]!.query,
      /pivot\(rowKey: \["_time"\], columnKey: \["_field"\], valueColumn: "_value"\)/,
    );
  });

  it('turns a threshold alert into a Grafana alert rule on the first interval', () => {
    const groups = (
      parse(provisioning['alerting.yaml']!) as { groups: { rules: Record<string, unknown>[] }[] }
    ).groups;
    const rule = groups[0]!.rules[0]!;
    assert.equal(rule['title'], 'demo btc-high');
    assert.deepEqual(rule['labels'], { stream: 'demo', symbol: 'BTCUSDC', interval: '1m' });
    const threshold = (rule['data'] as { model: { conditions?: unknown[] } }[])[2]!.model.conditions;
    assert.deepEqual(threshold, [{ evaluator: { type: 'gt', params: [100000] } }]);
  });

  it('rolls Grafana when its generated configuration changes, and only then', () => {
    const hashOf = (stream: ReturnType<typeof aCryptoStream>) =>
      (
        spec(find(desiredState(stream, inputs), 'Deployment/demo-grafana'))['template'] as {
          metadata: { annotations: Record<string, string> };
        }
      ).metadata.annotations['cryptostream.io/config-hash'];
    const alert = { name: 'btc-high', symbol: 'BTCUSDC', field: 'close', above: 100000 };
    const before = hashOf(aCryptoStream({ alerts: [alert] }));
    assert.match(before ?? '', /^[0-9a-f]{16}$/);
    assert.notEqual(
      hashOf(aCryptoStream({ alerts: [{ ...alert, above: 120000 }] })),
      before,
      'an alert changed',
    );
    // The dashboards read symbols and intervals from InfluxDB, but the pipeline's stale-candles rules name
    // them (grafana/pipelineAlerts.ts: a symbol that never stored a candle is stale too, and a removed
    // one is not): a new interval or symbol rolls Grafana onto its rules.
    assert.notEqual(
      hashOf(aCryptoStream({ alerts: [alert], intervals: ['1m', '1h'] })),
      before,
      'an interval added: its stale-candles rule',
    );
    assert.notEqual(
      hashOf(aCryptoStream({ alerts: [alert], symbols: ['BTCUSDC', 'SOLUSDC'] })),
      before,
      'a symbol added: the stale-candles rule watches it',
    );
    assert.equal(
      hashOf(aCryptoStream({ alerts: [alert], producer: { resources: { requests: { cpu: '200m' } } } })),
      before,
      'nothing of Grafana changed',
    );
  });

  it('takes the administrator from adminSecret when given', () => {
    const own = desiredState(aCryptoStream({ grafana: { adminSecret: 'grafana-admin' } }), inputs);
    const deployment = find(own, 'Deployment/demo-grafana');
    const env = (
      spec(deployment)['template'] as {
        spec: { containers: { env: { name: string; valueFrom?: { secretKeyRef: { name: string } } }[] }[] };
      }
    ).spec.containers[0]!.env;
    assert.equal(
      env.find((e) => e.name === 'GF_SECURITY_ADMIN_PASSWORD')?.valueFrom?.secretKeyRef.name,
      'grafana-admin',
    );
  });
});
