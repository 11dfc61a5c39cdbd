import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { aStream, cluster, deleteNamespace, freshNamespace, installCrd } from './cluster.ts';

const { kube } = cluster();
const base = { symbols: ['BTCUSDC', 'ETHUSDC'], intervals: ['1m', '1h'] };

type Case = {
  readonly title: string;
  readonly spec: Record<string, unknown>;
  readonly message: RegExp;
  readonly name?: string;
  /** For a change: the stream before it (default: base with 4 partitions). */
  readonly from?: Record<string, unknown>;
  /** 422 Invalid, except a body that does not decode at all (400 Bad Request). */
  readonly status?: number;
};

/** Each resource is wrong in one way; the API server must say which. */
const invalid: readonly Case[] = [
  {
    title: 'a lower-case symbol',
    spec: { ...base, symbols: ['btcusdc'] },
    message: /symbols must be upper-case Binance symbols such as BTCUSDC/,
  },
  {
    title: 'a symbol listed twice',
    spec: { ...base, symbols: ['BTCUSDC', 'BTCUSDC'] },
    message: /symbols must be unique/,
  },
  {
    title: 'no symbols at all',
    spec: { ...base, symbols: [] },
    message: /spec\.symbols.*should have at least 1 items/,
  },
  { title: 'a missing symbols list', spec: { intervals: ['1m'] }, message: /spec\.symbols: Required value/ },
  {
    title: 'an interval Binance does not have',
    spec: { ...base, intervals: ['2m'] },
    message: /Unsupported value: "2m"/,
  },
  {
    title: 'an interval listed twice',
    spec: { ...base, intervals: ['1m', '1m'] },
    message: /intervals must be unique/,
  },
  {
    title: 'more minimum than maximum consumers',
    spec: { ...base, consumer: { autoscaling: { minReplicas: 5, maxReplicas: 2 } } },
    message: /consumer\.autoscaling\.minReplicas must not exceed maxReplicas/,
  },
  {
    title: 'a CPU request above its limit',
    spec: { ...base, producer: { resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } } },
    message: /resources\.requests\.cpu must not exceed resources\.limits\.cpu/,
  },
  {
    title: 'a storage size that is no quantity',
    spec: { ...base, kafka: { storage: 'lots' } },
    message: /must be a Kubernetes quantity such as 500m or 256Mi/,
  },
  {
    title: 'a MACD whose fast EMA is slower',
    spec: { ...base, indicators: { macd: { fast: 30, slow: 26 } } },
    message: /macd\.fast must be shorter than macd\.slow/,
  },
  {
    title: 'a period of one candle',
    spec: { ...base, indicators: { rsi: 1 } },
    message: /spec\.indicators\.rsi.*should be greater than or equal to 2/,
  },
  {
    title: 'a Binance URL that is not http(s)',
    spec: { ...base, binance: { baseUrl: 'ftp://example.com' } },
    message: /binance\.baseUrl must be an http\(s\) URL/,
  },
  {
    title: 'a backfill start that is no date-time',
    spec: { ...base, binance: { backfillFrom: 'yesterday' } },
    message: /backfillFrom.*date-time/,
  },
  {
    title: 'an alert on a symbol the stream does not follow',
    spec: { ...base, alerts: [{ name: 'sol', symbol: 'SOLUSDC', field: 'close', above: 1 }] },
    message: /every alert's symbol must be one of spec\.symbols/,
  },
  {
    title: 'an alert on an interval the stream does not follow',
    spec: { ...base, alerts: [{ name: 'btc', symbol: 'BTCUSDC', interval: '1d', field: 'close', above: 1 }] },
    message: /every alert's interval must be one of spec\.intervals/,
  },
  {
    title: 'an alert without a threshold',
    spec: { ...base, alerts: [{ name: 'btc', symbol: 'BTCUSDC', field: 'rsi' }] },
    message: /an alert needs a threshold: set above, below or both/,
  },
  {
    title: 'an alert whose below is not below its above',
    spec: { ...base, alerts: [{ name: 'btc', symbol: 'BTCUSDC', field: 'rsi', above: 30, below: 70 }] },
    message: /an alert's below must be lower than its above/,
  },
  {
    title: 'a change alert without a window',
    spec: { ...base, alerts: [{ name: 'btc', symbol: 'BTCUSDC', field: 'change', above: 2 }] },
    message: /window is required for a change alert, and applies to change alerts only/,
  },
  {
    title: 'a window on an alert that is no change',
    spec: { ...base, alerts: [{ name: 'btc', symbol: 'BTCUSDC', field: 'close', window: 4, above: 2 }] },
    message: /window is required for a change alert, and applies to change alerts only/,
  },
  {
    title: 'a change window longer than 1000 candles',
    spec: { ...base, alerts: [{ name: 'btc', symbol: 'BTCUSDC', field: 'change', window: 1001, above: 2 }] },
    message: /spec\.alerts\[0\]\.window.*should be less than or equal to 1000/,
  },
  {
    title: 'a change window of no candle',
    spec: { ...base, alerts: [{ name: 'btc', symbol: 'BTCUSDC', field: 'change', window: 0, above: 2 }] },
    message: /spec\.alerts\[0\]\.window.*should be greater than or equal to 1/,
  },
  {
    title: 'notifications going nowhere',
    spec: { ...base, grafana: { notifications: {} } },
    message: /grafana\.notifications needs a webhook, an email or both/,
  },
  {
    title: 'a webhook without the key of its URL',
    spec: { ...base, grafana: { notifications: { webhook: { urlSecret: { name: 'hook' } } } } },
    message: /spec\.grafana\.notifications\.webhook\.urlSecret\.key: Required value/,
  },
  {
    title: 'an email address that is none',
    spec: {
      ...base,
      grafana: {
        notifications: {
          email: { addresses: ['ops'], smtp: { host: 'smtp.example.com:587', from: 'grafana@example.com' } },
        },
      },
    },
    message: /spec\.grafana\.notifications\.email\.addresses\[0\].*should match/,
  },
  {
    title: 'an SMTP server without a port',
    spec: {
      ...base,
      grafana: {
        notifications: {
          email: {
            addresses: ['ops@example.com'],
            smtp: { host: 'smtp.example.com', from: 'grafana@example.com' },
          },
        },
      },
    },
    message: /spec\.grafana\.notifications\.email\.smtp\.host.*should match/,
  },
  {
    title: 'the same NodePort for Grafana and InfluxDB',
    spec: { ...base, grafana: { nodePort: 30080 }, influxdb: { nodePort: 30080 } },
    message: /influxdb\.nodePort and grafana\.nodePort must differ/,
  },
  {
    title: 'a Kafka without nodes',
    spec: { ...base, kafka: { replicas: 0 } },
    message: /spec\.kafka\.replicas.*should be greater than or equal to 1/,
  },
  {
    title: 'an external Kafka without bootstrap servers',
    spec: { ...base, kafka: { external: { tls: {} } } },
    message: /spec\.kafka\.external\.bootstrapServers: Required value/,
  },
  {
    title: 'external bootstrap servers without a port',
    spec: { ...base, kafka: { external: { bootstrapServers: 'kafka.example.com' } } },
    message: /kafka\.external\.bootstrapServers must be host:port pairs separated by commas/,
  },
  {
    title: 'a Strimzi Kafka version with an external Kafka',
    spec: { ...base, kafka: { version: '4.0.0', external: { bootstrapServers: 'kafka:9092' } } },
    message:
      /kafka\.version chooses the version of the in-cluster Kafka: remove it when kafka\.external is set/,
  },
  {
    title: 'Kafka nodes to run with an external Kafka',
    spec: { ...base, kafka: { replicas: 3, external: { bootstrapServers: 'kafka:9092' } } },
    message:
      /kafka\.replicas and kafka\.storage size the in-cluster Kafka: remove them when kafka\.external is set/,
  },
  {
    title: 'a SASL mechanism the workers do not speak',
    spec: {
      ...base,
      kafka: { external: { bootstrapServers: 'kafka:9092', sasl: { mechanism: 'gssapi', secret: 'u' } } },
    },
    message: /Unsupported value: "gssapi"/,
  },
  {
    title: 'SASL without the Secret of its credentials',
    spec: {
      ...base,
      kafka: { external: { bootstrapServers: 'kafka:9092', sasl: { mechanism: 'scram-sha-512' } } },
    },
    message: /spec\.kafka\.external\.sasl\.secret: Required value/,
  },
  {
    title: 'SASL PLAIN without TLS',
    spec: {
      ...base,
      kafka: {
        external: { bootstrapServers: 'kafka:9092', sasl: { mechanism: 'plain', secret: 'api-key' } },
      },
    },
    message: /kafka\.external\.sasl\.mechanism plain sends the password as it is: set kafka\.external\.tls/,
  },
  {
    title: 'a CA Secret without a name',
    spec: {
      ...base,
      kafka: { external: { bootstrapServers: 'kafka:9092', tls: { caSecret: { key: 'ca.crt' } } } },
    },
    message: /spec\.kafka\.external\.tls\.caSecret\.name: Required value/,
  },
  {
    title: 'a storage class for Kafka with an external Kafka',
    spec: { ...base, kafka: { storageClassName: 'ssd', external: { bootstrapServers: 'kafka:9092' } } },
    message:
      /kafka\.storageClassName chooses the volumes of the in-cluster Kafka: remove it when kafka\.external is set/,
  },
  {
    title: 'a storage class that is no object name',
    spec: { ...base, influxdb: { storageClassName: 'Fast SSD' } },
    message: /spec\.influxdb\.storageClassName.*should match/,
  },
  {
    title: 'an image pull secret without a name',
    spec: { ...base, template: { imagePullSecrets: [{}] } },
    message: /spec\.template\.imagePullSecrets\[0\]\.name: Required value/,
  },
  {
    title: 'a toleration with an effect Kubernetes does not have',
    spec: { ...base, template: { tolerations: [{ key: 'dedicated', effect: 'NoRun' }] } },
    message: /spec\.template\.tolerations\[0\]\.effect: Unsupported value: "NoRun"/,
  },
  {
    title: 'a node selector value that is not a string',
    spec: { ...base, template: { nodeSelector: { pool: 3 } } },
    message: /spec\.template\.nodeSelector\.pool.*must be of type string/,
  },
  {
    title: 'a misspelt field',
    spec: { ...base, interval: ['1m'] },
    status: 400,
    message: /unknown field "spec\.interval"/,
  },
  {
    title: 'a name that starts with a digit',
    spec: base,
    name: '1stream',
    message: /metadata\.name must be a DNS label of at most 27 characters starting with a letter/,
  },
  {
    title: 'a name too long to prefix its children',
    spec: base,
    name: 'a'.repeat(28),
    message: /metadata\.name must be a DNS label of at most 27 characters/,
  },
];

/** Updates that are wrong only as changes of an existing stream (transition rules). */
const invalidChanges: readonly Case[] = [
  {
    title: 'fewer Kafka partitions',
    spec: { ...base, kafka: { partitions: 2 } },
    message: /kafka\.partitions cannot decrease/,
  },
  {
    title: "a Kafka size that changes the topics' replication factor",
    spec: { ...base, kafka: { partitions: 4, replicas: 2 } },
    message: /kafka\.replicas can change only between values of 3 or more/,
  },
  {
    title: 'fewer partitions through a lower consumer.autoscaling.maxReplicas',
    from: { ...base, kafka: { partitions: 4 }, consumer: { autoscaling: { maxReplicas: 8 } } },
    spec: { ...base, kafka: { partitions: 4 }, consumer: { autoscaling: { maxReplicas: 6 } } },
    message:
      /the topics' partition count, the larger of kafka\.partitions and consumer\.autoscaling\.maxReplicas, cannot decrease/,
  },
  {
    title: 'another InfluxDB organisation',
    spec: { ...base, influxdb: { org: 'other' } },
    message: /influxdb\.org cannot change/,
  },
  {
    title: 'another InfluxDB volume size',
    spec: { ...base, influxdb: { storage: '20Gi' } },
    message: /influxdb\.storage cannot change/,
  },
  {
    title: 'a storage class for an existing InfluxDB volume',
    spec: { ...base, influxdb: { storageClassName: 'fast-ssd' } },
    message:
      /influxdb\.storageClassName cannot change: the volume claim template of a StatefulSet is immutable/,
  },
  {
    title: 'another storage class of the Kafka volumes',
    from: { ...base, kafka: { storageClassName: 'standard' } },
    spec: { ...base, kafka: { storageClassName: 'fast-ssd' } },
    message: /kafka\.storageClassName cannot change/,
  },
];

const messageOf = (body: unknown): string =>
  (body as { message?: string } | undefined)?.message ?? JSON.stringify(body);

describe('the API server rejects an invalid CryptoStream with a clear message', () => {
  let ns = '';
  const path = () => `/apis/cryptostream.io/v1alpha1/namespaces/${ns}/cryptostreams`;
  before(async () => {
    await installCrd(kube);
    ns = await freshNamespace(kube, 'validation');
  });
  after(async () => deleteNamespace(kube, ns));

  it('accepts the five-line resource', async () => {
    const res = await kube.request(
      'POST',
      `${path()}?dryRun=All&fieldValidation=Strict`,
      aStream(ns, 'five', { symbols: ['BTCUSDC'] }),
    );
    assert.equal(res.status, 201, messageOf(res.body));
  });

  it('accepts change alerts and notifications by webhook and email', async () => {
    const res = await kube.request(
      'POST',
      `${path()}?dryRun=All&fieldValidation=Strict`,
      aStream(ns, 'alerting', {
        ...base,
        alerts: [
          {
            name: 'btc-jump',
            symbol: 'BTCUSDC',
            interval: '1h',
            field: 'change',
            window: 24,
            above: 5,
            below: -5,
          },
          { name: 'eth-high', symbol: 'ETHUSDC', field: 'close', above: 5000 },
        ],
        grafana: {
          notifications: {
            webhook: { urlSecret: { name: 'alert-hook', key: 'url' } },
            email: {
              addresses: ['ops@example.com', 'oncall@example.com'],
              smtp: { host: 'smtp.example.com:587', from: 'grafana@example.com', secret: 'smtp' },
            },
          },
        },
      }),
    );
    assert.equal(res.status, 201, messageOf(res.body));
  });

  it('accepts a stream on an external Kafka with TLS and SCRAM', async () => {
    const res = await kube.request(
      'POST',
      `${path()}?dryRun=All&fieldValidation=Strict`,
      aStream(ns, 'external', {
        ...base,
        kafka: {
          partitions: 6,
          retentionHours: 24,
          external: {
            bootstrapServers: 'my-cluster-kafka-bootstrap.kafka.svc:9093,10.0.0.7:9093',
            tls: { caSecret: { name: 'my-cluster-cluster-ca-cert' } },
            sasl: { mechanism: 'scram-sha-512', secret: 'pipeline', username: 'pipeline' },
            replicationFactor: 3,
          },
        },
      }),
    );
    assert.equal(res.status, 201, messageOf(res.body));
    const stored = (res.body as { spec: { kafka: { external: { tls: { caSecret: { key: string } } } } } })
      .spec;
    assert.equal(stored.kafka.external.tls.caSecret.key, 'ca.crt', 'the key of the CA defaults to ca.crt');
  });

  for (const c of invalid)
    it(`rejects ${c.title}`, async () => {
      const res = await kube.request(
        'POST',
        `${path()}?dryRun=All&fieldValidation=Strict`,
        aStream(ns, c.name ?? 'bad', c.spec),
      );
      assert.equal(res.status, c.status ?? 422, messageOf(res.body));
      assert.match(messageOf(res.body), c.message);
    });

  /** Creates a stream as `from`, then answers a dry-run update of it to `to`. */
  const change = async (name: string, from: Record<string, unknown>, to: Record<string, unknown>) => {
    const created = await kube.request('POST', path(), aStream(ns, name, from));
    assert.equal(created.status, 201, messageOf(created.body));
    const current = created.body as { metadata: { resourceVersion: string } };
    const update = {
      ...aStream(ns, name, to),
      metadata: { name, namespace: ns, resourceVersion: current.metadata.resourceVersion },
    };
    return kube.request('PUT', `${path()}/${name}?dryRun=All`, update);
  };

  for (const c of invalidChanges)
    it(`rejects changing to ${c.title}`, async () => {
      const from = c.from ?? { ...base, kafka: { partitions: 4 } };
      const res = await change(`change-${invalidChanges.indexOf(c)}`, from, c.spec);
      assert.equal(res.status, 422, messageOf(res.body));
      assert.match(messageOf(res.body), c.message);
    });

  it('accepts a pod template changing, and a storage class with a stream moving to an external Kafka', async () => {
    const placed = await change(
      'placed',
      { ...base, template: { nodeSelector: { pool: 'a' } } },
      { ...base, template: { nodeSelector: { pool: 'b' }, tolerations: [{ operator: 'Exists' }] } },
    );
    assert.equal(placed.status, 200, messageOf(placed.body));
    const moved = await change(
      'moved',
      { ...base, kafka: { storageClassName: 'standard' } },
      { ...base, kafka: { external: { bootstrapServers: 'kafka:9092' } } },
    );
    assert.equal(moved.status, 200, messageOf(moved.body));
  });

  it('accepts a Kafka growing from 3 nodes to 5, and a lower maxReplicas that keeps the partitions', async () => {
    const grow = await change(
      'grow',
      { ...base, kafka: { replicas: 3 } },
      { ...base, kafka: { replicas: 5 } },
    );
    assert.equal(grow.status, 200, messageOf(grow.body));
    const fewer = await change(
      'fewer-replicas',
      { ...base, kafka: { partitions: 8 }, consumer: { autoscaling: { maxReplicas: 8 } } },
      { ...base, kafka: { partitions: 8 }, consumer: { autoscaling: { maxReplicas: 4 } } },
    );
    assert.equal(fewer.status, 200, messageOf(fewer.body));
  });
});
