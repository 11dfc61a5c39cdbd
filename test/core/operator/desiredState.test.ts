import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindAndName } from '../../../src/core/operator/child.ts';
import type { Child } from '../../../src/core/operator/child.ts';
import { desiredState } from '../../../src/core/operator/desiredState.ts';
import { consumerSpec } from '../../../src/shell/consumer/command.ts';
import { producerSpec } from '../../../src/shell/producer/command.ts';
import type { CryptoStream } from '../../../src/api/v1alpha1/cryptostream.ts';
import { nextStatus } from '../../../src/core/operator/status/status.ts';
import { aCryptoStream, inputs } from './aCryptoStream.ts';

const NOW = '2026-11-30T12:00:00Z';

type Container = {
  name: string;
  image: string;
  args?: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  securityContext: Record<string, unknown>;
  readinessProbe: { httpGet: { path: string } };
  livenessProbe: { httpGet: { path: string } };
  resources: unknown;
};
type PodSpec = {
  containers: Container[];
  securityContext: Record<string, unknown>;
  automountServiceAccountToken: boolean;
};
type Workload = Child & { spec: { replicas?: number; template: { spec: PodSpec } } };

const byKindAndName = (children: Child[], id: string): Child => {
  const found = children.find((c) => kindAndName(c) === id);
  assert.ok(found, `${id} is desired`);
  return found;
};
const podSpecOf = (c: Child): PodSpec => (c as Workload).spec.template.spec;
const envOf = (c: Child): Record<string, string | undefined> =>
  Object.fromEntries(podSpecOf(c).containers[0]!.env.map((e) => [e.name, e.value]));

describe('desiredState of a CryptoStream', () => {
  const cr = aCryptoStream({ intervals: ['1m', '1h'] });
  const children = desiredState(cr, inputs);

  it('creates the complete pipeline from a five-line resource', () => {
    assert.deepEqual(children.map(kindAndName), [
      'Secret/demo-credentials',
      'ServiceAccount/demo-workers',
      'ServiceAccount/demo-influxdb',
      'ServiceAccount/demo-grafana',
      'Kafka/demo',
      'KafkaNodePool/demo-pool',
      'KafkaTopic/demo-prices-1m',
      'KafkaTopic/demo-prices-1m-dlq',
      'KafkaTopic/demo-alerts-1m',
      'KafkaTopic/demo-prices-1h',
      'KafkaTopic/demo-prices-1h-dlq',
      'KafkaTopic/demo-alerts-1h',
      'ConfigMap/demo-influxdb-init',
      'Service/demo-influxdb',
      'Service/demo-influxdb-headless',
      'StatefulSet/demo-influxdb',
      'ConfigMap/demo-grafana-provisioning',
      'ConfigMap/demo-grafana-dashboards',
      'Service/demo-grafana',
      'Deployment/demo-grafana',
      'Deployment/demo-producer',
      'Deployment/demo-consumer-1m',
      'HorizontalPodAutoscaler/demo-consumer-1m',
      'PodDisruptionBudget/demo-consumer-1m',
      'Deployment/demo-consumer-1h',
      'HorizontalPodAutoscaler/demo-consumer-1h',
      'PodDisruptionBudget/demo-consumer-1h',
      'NetworkPolicy/demo-dns',
      'NetworkPolicy/demo-producers',
      'NetworkPolicy/demo-consumers',
      'NetworkPolicy/demo-influxdb',
      'NetworkPolicy/demo-grafana',
      'NetworkPolicy/demo-default-deny',
    ]);
  });

  it('has the consumer of 1m derive 1h and compare it with the exchange (data quality)', () => {
    assert.equal(envOf(byKindAndName(children, 'Deployment/demo-consumer-1m'))['CRYPTOSTREAM_DERIVE'], '1h');
    assert.equal(
      envOf(byKindAndName(children, 'Deployment/demo-consumer-1h'))['CRYPTOSTREAM_DERIVE'],
      undefined,
    );
  });

  it('is a value: equal input gives equal output', () => {
    assert.deepEqual(desiredState(aCryptoStream({ intervals: ['1m', '1h'] }), inputs), children);
  });

  it('puts every child in the stream namespace, owned by the stream as its controller', () => {
    for (const c of children) {
      assert.equal(c.metadata.namespace, 'markets', kindAndName(c));
      assert.deepEqual(c.metadata.ownerReferences, [
        {
          apiVersion: 'cryptostream.io/v1alpha1',
          kind: 'CryptoStream',
          name: 'demo',
          uid: 'uid-demo',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });

  it('labels every child with its stream and the operator as manager', () => {
    for (const c of children) {
      assert.equal(c.metadata.labels?.['cryptostream.io/stream'], 'demo', kindAndName(c));
      assert.equal(
        c.metadata.labels?.['app.kubernetes.io/managed-by'],
        'cryptostream-operator',
        kindAndName(c),
      );
    }
  });

  it('leaves Grafana out when it is disabled', () => {
    const names = desiredState(aCryptoStream({ grafana: { enabled: false } }), inputs).map(kindAndName);
    assert.deepEqual(
      names.filter((n) => n.includes('grafana')),
      [],
    );
  });
});

describe('the producer of a stream (issue 14: one rate budget per IP)', () => {
  const cr = aCryptoStream({ intervals: ['1s', '1m', '15m'] });
  const children = desiredState(cr, inputs);
  const producers = children.filter((c) => c.kind === 'Deployment' && c.metadata.name.includes('-producer'));
  const producer = byKindAndName(children, 'Deployment/demo-producer');
  type Labelled = { spec: { selector: { matchLabels: Record<string, string> }; strategy: unknown } };

  it('is one Deployment for all the intervals, while each interval keeps its consumers', () => {
    assert.deepEqual(producers.map(kindAndName), ['Deployment/demo-producer']);
    for (const interval of ['1s', '1m', '15m']) {
      const consumer = byKindAndName(children, `Deployment/demo-consumer-${interval}`);
      assert.equal(envOf(consumer)['CRYPTOSTREAM_INTERVAL'], interval);
      assert.equal(consumer.metadata.labels?.['cryptostream.io/interval'], interval);
    }
  });

  it('follows every interval of the stream (CRYPTOSTREAM_INTERVALS, in the order of spec.intervals), none alone', () => {
    const env = envOf(producer);
    assert.equal(env['CRYPTOSTREAM_INTERVALS'], '1s,1m,15m');
    assert.equal(env['CRYPTOSTREAM_INTERVAL'], undefined, 'the one-interval variable is gone');
    assert.equal(env['CRYPTOSTREAM_SYMBOLS'], 'BTCUSDC,ETHUSDC');
    assert.equal(env['CRYPTOSTREAM_SYMBOL_PARTITIONS'], 'BTCUSDC:0,ETHUSDC:1', 'the same in every topic');
  });

  it('is one replica, replaced (Recreate), whose labels and selector name no interval', () => {
    assert.equal((producer as Workload).spec.replicas, 1);
    assert.deepEqual((producer as Child & Labelled).spec.strategy, { type: 'Recreate' });
    const selector = {
      'app.kubernetes.io/name': 'cryptostream',
      'app.kubernetes.io/instance': 'demo',
      'app.kubernetes.io/component': 'producer',
      'cryptostream.io/stream': 'demo',
    };
    assert.deepEqual((producer as Child & Labelled).spec.selector.matchLabels, selector);
    assert.deepEqual(producer.metadata.labels, {
      ...selector,
      'app.kubernetes.io/part-of': 'cryptostream',
      'app.kubernetes.io/managed-by': 'cryptostream-operator',
    });
    const template = (producer as Child & { spec: { template: { metadata: { labels: object } } } }).spec
      .template;
    assert.deepEqual(template.metadata.labels, producer.metadata.labels);
  });

  it('changes with the intervals, keeping its name: an interval added or removed restarts the one producer', () => {
    const fewer = byKindAndName(
      desiredState(aCryptoStream({ intervals: ['1m'] }), inputs),
      'Deployment/demo-producer',
    );
    assert.equal(envOf(fewer)['CRYPTOSTREAM_INTERVALS'], '1m');
    assert.deepEqual(
      (fewer as Child & Labelled).spec.selector,
      (producer as Child & Labelled).spec.selector,
      'the selector, which cannot change, stays',
    );
  });
});

describe('the workers of each interval', () => {
  const cr = aCryptoStream({ intervals: ['15m'], binance: { backfillFrom: '2025-01-01T00:00:00Z' } });
  const children = desiredState(cr, inputs);
  const producer = byKindAndName(children, 'Deployment/demo-producer');
  const consumer = byKindAndName(children, 'Deployment/demo-consumer-15m');

  it('run the operator image with the role as the only argument', () => {
    assert.deepEqual(podSpecOf(producer).containers[0]!.args, ['producer']);
    assert.deepEqual(podSpecOf(consumer).containers[0]!.args, ['consumer']);
    assert.equal(podSpecOf(producer).containers[0]!.image, inputs.image);
  });

  it('run the image of spec.image when the stream names one', () => {
    const own = desiredState(aCryptoStream({ image: 'registry.local/cs:dev' }), inputs);
    assert.equal(
      podSpecOf(byKindAndName(own, 'Deployment/demo-producer')).containers[0]!.image,
      'registry.local/cs:dev',
    );
  });

  it('configure the producer with exactly the variables of the worker contract', () => {
    assert.deepEqual(envOf(producer), {
      CRYPTOSTREAM_SYMBOLS: 'BTCUSDC,ETHUSDC',
      CRYPTOSTREAM_SYMBOL_PARTITIONS: 'BTCUSDC:0,ETHUSDC:1',
      CRYPTOSTREAM_INTERVALS: '15m',
      CRYPTOSTREAM_KAFKA_BROKERS: 'demo-kafka-bootstrap.markets.svc:9092',
      CRYPTOSTREAM_TOPIC_PREFIX: 'prices-',
      CRYPTOSTREAM_TOPIC_PARTITIONS: '4',
      CRYPTOSTREAM_TOPIC_RETENTION_MS: '604800000',
      CRYPTOSTREAM_HTTP_PORT: '8080',
      NODE_OPTIONS: '--max-old-space-size=128 --max-semi-space-size=8',
      CRYPTOSTREAM_BINANCE_URL: 'https://data-api.binance.vision',
      CRYPTOSTREAM_BACKFILL_FROM: '2025-01-01T00:00:00Z',
      CRYPTOSTREAM_INDICATORS: JSON.stringify(cr.spec.indicators),
      CRYPTOSTREAM_INFLUX_URL: 'http://demo-influxdb.markets.svc:8086',
      CRYPTOSTREAM_INFLUX_TOKEN: undefined, // from the credentials Secret, as the consumers'
      CRYPTOSTREAM_INFLUX_ORG: 'cryptostream',
      CRYPTOSTREAM_INFLUX_BUCKET_RAW: 'marketdata_raw',
    });
    const token = podSpecOf(producer).containers[0]!.env.find((e) => e.name === 'CRYPTOSTREAM_INFLUX_TOKEN');
    assert.deepEqual(token?.valueFrom, { secretKeyRef: { name: 'demo-credentials', key: 'influxdb-token' } });
  });

  it('set only variables their own command reads', () => {
    const read = {
      producer: new Set<string>([...Object.values(producerSpec).map((s) => s.env), 'NODE_OPTIONS']),
      consumer: new Set<string>([...Object.values(consumerSpec).map((s) => s.env), 'NODE_OPTIONS']),
    };
    const external = desiredState(
      aCryptoStream({
        kafka: {
          external: {
            bootstrapServers: 'kafka.example.com:9093',
            tls: { caSecret: { name: 'kafka-ca' } },
            sasl: { mechanism: 'scram-sha-512', secret: 'kafka-user' },
            replicationFactor: 3,
          },
        },
      }),
      inputs,
    );
    const workers = [...children, ...external].filter(
      (c) => c.kind === 'Deployment' && /-(producer|consumer)(-|$)/.test(c.metadata.name),
    );
    assert.equal(workers.length, 4);
    for (const w of workers) {
      const role = podSpecOf(w).containers[0]!.args![0] as 'producer' | 'consumer';
      for (const e of podSpecOf(w).containers[0]!.env)
        assert.ok(
          read[role].has(e.name),
          `${kindAndName(w)} sets ${e.name}, which the ${role} does not read`,
        );
    }
  });

  it('configure the consumer with InfluxDB, its token from the Secret and the indicator periods as JSON', () => {
    const env = envOf(consumer);
    assert.equal(env['CRYPTOSTREAM_INFLUX_URL'], 'http://demo-influxdb.markets.svc:8086');
    assert.equal(env['CRYPTOSTREAM_INFLUX_ORG'], 'cryptostream');
    assert.equal(env['CRYPTOSTREAM_INFLUX_BUCKET_RAW'], 'marketdata_raw');
    assert.equal(env['CRYPTOSTREAM_INFLUX_BUCKET_ENRICHED'], 'marketdata_enriched');
    assert.equal(
      env['CRYPTOSTREAM_INFLUX_RETENTION_DAYS'],
      '30',
      "the stream's retention reaches existing buckets",
    );
    assert.equal(
      env['CRYPTOSTREAM_INDICATORS'],
      envOf(producer)['CRYPTOSTREAM_INDICATORS'],
      'the producer reaches back the warm-up of the indicators the consumer computes',
    );
    assert.deepEqual(JSON.parse(env['CRYPTOSTREAM_INDICATORS']!), {
      sma: [7, 21],
      ema: [12],
      rsi: 14,
      macd: { fast: 12, slow: 26, signal: 9 },
      bollinger: { period: 20, stdDev: 2 },
      atr: 14,
      adx: 14,
      volatility: 20,
    });
    assert.equal(env['CRYPTOSTREAM_DERIVE'], undefined, 'a single interval has nothing to derive');
    assert.equal(
      env['NODE_OPTIONS'],
      '--max-old-space-size=256 --max-semi-space-size=16',
      'half of the 512Mi limit, semi-spaces of 1/32',
    );
    const token = podSpecOf(consumer).containers[0]!.env.find((e) => e.name === 'CRYPTOSTREAM_INFLUX_TOKEN');
    assert.deepEqual(token?.valueFrom, { secretKeyRef: { name: 'demo-credentials', key: 'influxdb-token' } });
  });

  it('leave the consumer replicas to the autoscaler and pin the producer to one', () => {
    assert.equal((consumer as Workload).spec.replicas, undefined);
    assert.equal((producer as Workload).spec.replicas, 1);
  });

  it('probe /readyz for readiness and /healthz for liveness', () => {
    const c = podSpecOf(consumer).containers[0]!;
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  });

  it('take their requests and limits from the stream', () => {
    const custom = desiredState(
      aCryptoStream({ consumer: { resources: { requests: { cpu: '250m' }, limits: { memory: '1Gi' } } } }),
      inputs,
    );
    assert.deepEqual(
      podSpecOf(byKindAndName(custom, 'Deployment/demo-consumer-1m')).containers[0]!.resources,
      {
        requests: { cpu: '250m', memory: '128Mi' },
        limits: { cpu: '1', memory: '1Gi' },
      },
    );
  });

  it('scale consumers on CPU between the stream minimum and maximum', () => {
    const hpa = byKindAndName(
      desiredState(
        aCryptoStream({
          symbols: ['BTCUSDC', 'ETHUSDC', 'XRPUSDC', 'SOLUSDC', 'BNBUSDC', 'ADAUSDC', 'DOGEUSDC'],
          consumer: { autoscaling: { minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 60 } },
        }),
        inputs,
      ),
      'HorizontalPodAutoscaler/demo-consumer-1m',
    ) as Child & { spec: Record<string, unknown> };
    assert.deepEqual(hpa.spec, {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo-consumer-1m' },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
        },
      ],
    });
  });
});

const hpaRange = (cr: CryptoStream) => {
  const hpa = byKindAndName(desiredState(cr, inputs), 'HorizontalPodAutoscaler/demo-consumer-1m') as Child & {
    spec: { minReplicas: number; maxReplicas: number };
  };
  return [hpa.spec.minReplicas, hpa.spec.maxReplicas];
};

describe('consumer replicas and partitions', () => {
  const majors = ['BTCUSDC', 'ETHUSDC', 'XRPUSDC', 'SOLUSDC'];
  const autoscaling = (minReplicas: number, maxReplicas: number) => ({
    consumer: { autoscaling: { minReplicas, maxReplicas, targetCPUUtilizationPercentage: 70 } },
  });

  it('cap the autoscaler at one replica per symbol: more would get no partition with candles', () => {
    assert.deepEqual(hpaRange(aCryptoStream({ symbols: majors, ...autoscaling(1, 10) })), [1, 4]);
    assert.deepEqual(hpaRange(aCryptoStream({ symbols: ['BTCUSDC'], ...autoscaling(2, 3) })), [1, 1]);
    assert.deepEqual(hpaRange(aCryptoStream({ symbols: majors, ...autoscaling(2, 3) })), [2, 3]);
  });

  it('give every symbol its own partition of every topic, the same in the producer and the status', () => {
    const cr = aCryptoStream({ symbols: majors, intervals: ['1m', '1h'] });
    const env = envOf(byKindAndName(desiredState(cr, inputs), 'Deployment/demo-producer'));
    assert.equal(env.CRYPTOSTREAM_INTERVALS, '1m,1h', "one producer publishes to both intervals' topics");
    assert.equal(env.CRYPTOSTREAM_SYMBOL_PARTITIONS, 'BTCUSDC:0,ETHUSDC:1,XRPUSDC:2,SOLUSDC:3');
    assert.deepEqual(nextStatus(cr, [], [], NOW).symbolPartitions, {
      BTCUSDC: 0,
      ETHUSDC: 1,
      XRPUSDC: 2,
      SOLUSDC: 3,
    });
  });

  it('keep the partitions the status records when symbols are added, removed or reordered', () => {
    const cr = aCryptoStream({ symbols: ['SOLUSDC', 'BNBUSDC', 'BTCUSDC'] });
    const stored = { ...cr, status: { symbolPartitions: { BTCUSDC: 0, ETHUSDC: 1, SOLUSDC: 3 } } };
    assert.equal(
      envOf(byKindAndName(desiredState(stored, inputs), 'Deployment/demo-producer'))
        .CRYPTOSTREAM_SYMBOL_PARTITIONS,
      'SOLUSDC:3,BNBUSDC:2,BTCUSDC:0',
    );
    assert.deepEqual(nextStatus(stored, [], [], NOW).symbolPartitions, {
      BTCUSDC: 0,
      ETHUSDC: 1,
      SOLUSDC: 3,
      BNBUSDC: 2,
    });
  });
});

describe('every pod template', () => {
  const pods = desiredState(aCryptoStream({ intervals: ['1m'] }), inputs).filter(
    (c) => c.kind === 'Deployment' || c.kind === 'StatefulSet',
  );

  it('meets Pod Security "restricted" with a read-only root filesystem', () => {
    assert.equal(pods.length, 4);
    for (const p of pods) {
      const spec = podSpecOf(p);
      assert.equal(spec.securityContext['runAsNonRoot'], true, kindAndName(p));
      assert.deepEqual(spec.securityContext['seccompProfile'], { type: 'RuntimeDefault' }, kindAndName(p));
      for (const c of spec.containers) {
        assert.equal(c.securityContext['allowPrivilegeEscalation'], false, kindAndName(p));
        assert.equal(c.securityContext['readOnlyRootFilesystem'], true, kindAndName(p));
        assert.deepEqual(c.securityContext['capabilities'], { drop: ['ALL'] }, kindAndName(p));
      }
    }
  });

  it('mounts no service account token (no pod here calls the Kubernetes API)', () => {
    for (const p of pods) assert.equal(podSpecOf(p).automountServiceAccountToken, false, kindAndName(p));
  });
});
