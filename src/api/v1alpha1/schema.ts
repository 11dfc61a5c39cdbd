import { intervals } from '../../core/kline/interval.ts';
import { MAX_STREAM_NAME } from '../../core/operator/names.ts';
import { SASL_MECHANISMS } from './cryptostream.ts';
import { arr, bool, completeDefaults, int, num, obj, str } from './openapi.ts';
import type { Schema } from './openapi.ts';
import { DNS_SUBDOMAIN, podTemplate } from './podTemplate.ts';

/**
 * The OpenAPI schema of CryptoStream: validation, defaults and `kubectl explain` text in one place.
 * `crds/` is generated from it (`npm run gen:crd`); the core defaults resources with it too.
 * Every string and list has a maximum size so the API server can bound the cost of the CEL rules.
 */

const quantity = (description: string, fallback: string): Schema =>
  str(`${description} A Kubernetes quantity such as 500m, 2 or 256Mi.`, {
    default: fallback,
    maxLength: 32,
    'x-kubernetes-validations': [
      { rule: 'isQuantity(self)', message: 'must be a Kubernetes quantity such as 500m or 256Mi' },
    ],
  });

const immutable = (s: Schema, message: string): Schema => ({
  ...s,
  'x-kubernetes-validations': [
    ...(s['x-kubernetes-validations'] ?? []),
    { rule: 'self == oldSelf', message },
  ],
});

const resourceList = (what: string, cpu: string, memory: string): Schema =>
  obj(
    `${what} of each container.`,
    {
      cpu: quantity(`CPU ${what.toLowerCase()}.`, cpu),
      memory: quantity(`Memory ${what.toLowerCase()}.`, memory),
    },
    { default: {} },
  );

const notAbove = (field: 'cpu' | 'memory'): { rule: string; message: string } => ({
  rule: `quantity(self.requests.${field}).compareTo(quantity(self.limits.${field})) <= 0`,
  message: `resources.requests.${field} must not exceed resources.limits.${field}`,
});

const resources = (who: string, requests: [string, string], limits: [string, string]): Schema =>
  obj(
    `Compute resources of every ${who} container (requests are what the scheduler reserves, limits the ceiling).`,
    {
      requests: resourceList('Requests', ...requests),
      limits: resourceList('Limits', ...limits),
    },
    { default: {}, 'x-kubernetes-validations': [notAbove('cpu'), notAbove('memory')] },
  );

const period = (description: string, fallback: number): Schema =>
  int(`${description} Number of candles, 2 to 1000.`, { default: fallback, minimum: 2, maximum: 1000 });

const periods = (description: string, fallback: number[]): Schema =>
  arr(
    `${description} Each period is a number of candles, 2 to 1000.`,
    int('A period in candles.', { minimum: 2, maximum: 1000 }),
    {
      default: fallback,
      maxItems: 8,
      'x-kubernetes-validations': [
        { rule: 'self.all(p, self.exists_one(q, q == p))', message: 'periods must be unique' },
      ],
    },
  );

const unique = (what: string) => ({
  rule: 'self.all(x, self.exists_one(y, y == x))',
  message: `${what} must be unique`,
});

const nodePort = (what: string): Schema =>
  int(
    `Expose ${what} on this NodePort (30000-32767), for example to reach it from the host of a kind cluster. Unset: cluster-internal only.`,
    {
      minimum: 30000,
      maximum: 32767,
    },
  );

const image = (description: string, fallback?: string): Schema =>
  str(description, { maxLength: 512, ...(fallback === undefined ? {} : { default: fallback }) });

const dnsLabel = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const storageClassName = (what: string): Schema =>
  str(
    `StorageClass of ${what}. Unset: the cluster's default StorageClass. Fixed at creation, like the volume.`,
    { minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN },
  );

/** An optional field that may be neither set, changed nor removed once the stream exists. */
const fixedOnceSet = (field: string) =>
  `has(self.${field}) == has(oldSelf.${field}) && (!has(self.${field}) || self.${field} == oldSelf.${field})`;

const secretName = (description: string): Schema =>
  str(description, { maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' });

const indicators = obj(
  'Indicator periods the consumers compute on every closed candle (TA-Lib conventions).',
  {
    sma: periods('Simple moving averages.', [7, 21]),
    ema: periods('Exponential moving averages (seeded with the SMA of the first n closes).', [12]),
    rsi: period('Relative strength index (Wilder smoothing).', 14),
    macd: obj(
      'Moving average convergence/divergence.',
      {
        fast: period('Fast EMA.', 12),
        slow: period('Slow EMA.', 26),
        signal: period('Signal line EMA of the MACD line.', 9),
      },
      {
        default: {},
        'x-kubernetes-validations': [
          { rule: 'self.fast < self.slow', message: 'macd.fast must be shorter than macd.slow' },
        ],
      },
    ),
    bollinger: obj(
      'Bollinger bands: SMA ± stdDev population standard deviations.',
      {
        period: period('Moving average and deviation window.', 20),
        stdDev: num('Band width in standard deviations, above 0 and at most 10.', {
          default: 2,
          minimum: 0.1,
          maximum: 10,
        }),
      },
      { default: {} },
    ),
    atr: period('Average true range (Wilder smoothing).', 14),
    adx: period('Average directional index (Wilder smoothing).', 14),
    volatility: period('Rolling volatility (standard deviation of log returns).', 20),
  },
  { default: {} },
);

/** One bootstrap address: a host name or IPv4 address and a port. */
const hostPort = '[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?:[0-9]{1,5}';

const externalKafka = obj(
  'A Kafka cluster that runs elsewhere (another Strimzi cluster, Amazon MSK, Confluent, ...). With it the operator creates no Kafka, KafkaNodePool or KafkaTopic: the producers and consumers connect to these brokers and create their topics there at start (cryptostream.<namespace>.<name>.prices-<interval> and its -dlq, with kafka.partitions and kafka.retentionHours; existing topics are used as they are), and the consumer groups are cryptostream.<namespace>.<name>.consumer-<interval>, so streams sharing the Kafka stay apart.',
  {
    bootstrapServers: str(
      'Comma-separated bootstrap servers, host:port each, for example b-1.example.kafka.us-east-1.amazonaws.com:9096,b-2.example.kafka.us-east-1.amazonaws.com:9096.',
      {
        minLength: 1,
        maxLength: 1024,
        'x-kubernetes-validations': [
          {
            rule: `self.matches('^${hostPort}(,${hostPort})*$')`,
            message:
              'kafka.external.bootstrapServers must be host:port pairs separated by commas, such as kafka-0.example.com:9093,kafka-1.example.com:9093',
          },
        ],
      },
    ),
    tls: obj(
      "Connect over TLS. Set it empty ({}) to trust the system's root certificates (public CAs, as for MSK and Confluent Cloud).",
      {
        caSecret: obj(
          "Trust only this CA certificate (PEM), from a Secret in the stream's namespace, for example a copy of Strimzi's <cluster>-cluster-ca-cert. Mounted into the workers as a file.",
          {
            name: secretName('Name of the Secret.'),
            key: str('Key of the PEM certificate in the Secret.', {
              default: 'ca.crt',
              minLength: 1,
              maxLength: 253,
              pattern: '^[-._a-zA-Z0-9]+$',
            }),
          },
          { required: ['name'] },
        ),
      },
    ),
    sasl: obj(
      'SASL authentication. The workers read the credentials from the Secret through secretKeyRef environment variables; the operator neither reads nor copies them.',
      {
        mechanism: str(
          'scram-sha-512 or scram-sha-256 (Strimzi KafkaUser with SCRAM authentication, MSK), or plain (Confluent Cloud API keys; needs tls).',
          { enum: [...SASL_MECHANISMS] },
        ),
        secret: secretName(
          "Name of a Secret in the stream's namespace with key password, and key username unless sasl.username is set (a Strimzi KafkaUser's Secret has only password: set username to the KafkaUser's name).",
        ),
        username: str('The user name. Unset: the key username of the Secret.', {
          minLength: 1,
          maxLength: 256,
        }),
      },
      { required: ['mechanism', 'secret'] },
    ),
    replicationFactor: int(
      "Replication factor of the topics the workers create. Unset: the brokers' default.replication.factor.",
      { minimum: 1, maximum: 32 },
    ),
  },
  {
    required: ['bootstrapServers'],
    'x-kubernetes-validations': [
      {
        rule: "!has(self.sasl) || self.sasl.mechanism != 'plain' || has(self.tls)",
        message: 'kafka.external.sasl.mechanism plain sends the password as it is: set kafka.external.tls',
      },
    ],
  },
);

/** Defaults of the fields that size the in-cluster Kafka (they make no sense with an external one). */
const KAFKA_REPLICAS = 1;
const KAFKA_STORAGE = '10Gi';

const kafka = obj(
  'The Kafka cluster that carries the candles from producers to consumers: by default one the operator runs with Strimzi (KRaft), or an external one (kafka.external).',
  {
    version: str("Kafka version for Strimzi to run. Unset: the Strimzi operator's default.", {
      maxLength: 16,
      pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$',
    }),
    replicas: int(
      "Number of Kafka nodes (each both broker and KRaft controller), 1 to 9. The topics' replication factor is the smaller of it and 3, so it can change only between values of 3 or more.",
      {
        default: KAFKA_REPLICAS,
        minimum: 1,
        maximum: 9,
        'x-kubernetes-validations': [
          {
            rule: 'self == oldSelf || (self >= 3 && oldSelf >= 3)',
            message:
              "kafka.replicas can change only between values of 3 or more: below 3 it sets the topics' replication factor, which Strimzi's Topic Operator cannot change (that takes Cruise Control)",
          },
        ],
      },
    ),
    storage: quantity('Persistent volume size of each Kafka node.', KAFKA_STORAGE),
    storageClassName: storageClassName(
      "each Kafka node's volume (the KafkaNodePool's storage class; Strimzi cannot move a volume to another class)",
    ),
    partitions: int(
      "Partitions of each interval's topic. The operator raises it to consumer.autoscaling.maxReplicas when lower, so every consumer replica gets a partition. Partitions can only grow.",
      {
        default: 3,
        minimum: 1,
        maximum: 1000,
        'x-kubernetes-validations': [
          {
            rule: 'self >= oldSelf',
            message: 'kafka.partitions cannot decrease: Kafka cannot remove partitions',
          },
        ],
      },
    ),
    retentionHours: int('How long Kafka keeps candles, in hours (1 hour to 10 years).', {
      default: 168,
      minimum: 1,
      maximum: 87600,
    }),
    external: externalKafka,
  },
  {
    default: {},
    'x-kubernetes-validations': [
      {
        rule: '!has(self.external) || !has(self.version)',
        message:
          'kafka.version chooses the version of the in-cluster Kafka: remove it when kafka.external is set',
      },
      {
        rule: `!has(self.external) || (self.replicas == ${KAFKA_REPLICAS} && self.storage == '${KAFKA_STORAGE}')`,
        message:
          'kafka.replicas and kafka.storage size the in-cluster Kafka: remove them when kafka.external is set',
      },
      {
        rule: '!has(self.external) || !has(self.storageClassName)',
        message:
          'kafka.storageClassName chooses the volumes of the in-cluster Kafka: remove it when kafka.external is set',
      },
      {
        // Moving to or from an external Kafka deletes or creates the in-cluster one, volumes and all.
        rule: `has(self.external) || has(oldSelf.external) || (${fixedOnceSet('storageClassName')})`,
        message:
          "kafka.storageClassName cannot change: Strimzi cannot move a Kafka node's volume to another StorageClass",
      },
    ],
  },
);

const influxdb = obj(
  'The InfluxDB 2 database the consumers write raw and enriched candles to (buckets marketdata_raw and marketdata_enriched).',
  {
    image: image(
      "InfluxDB 2.x container image. Unset: the operator's default (influxdb:2.7.12 unless the operator was installed with another), applied at every reconcile, so upgrading the operator moves the stream.",
    ),
    storage: immutable(
      quantity(
        'Persistent volume size of the database. Fixed at creation (a StatefulSet cannot change its volume claim template).',
        '10Gi',
      ),
      'influxdb.storage cannot change: the volume claim template of a StatefulSet is immutable',
    ),
    storageClassName: storageClassName('the database volume'),
    retentionDays: int('Retention of both buckets in days; 0 keeps data forever.', {
      default: 30,
      minimum: 0,
      maximum: 36500,
    }),
    org: str('InfluxDB organisation, set up once at first start.', {
      default: 'cryptostream',
      minLength: 1,
      maxLength: 63,
      pattern: dnsLabel,
      'x-kubernetes-validations': [
        { rule: 'self == oldSelf', message: 'influxdb.org cannot change: the database is set up once' },
      ],
    }),
    nodePort: nodePort('InfluxDB (port 8086)'),
    retainOnDelete: bool(
      "Keep the database when the stream is deleted: its volume claim and the stream's credentials Secret stay, and a stream re-created under the same name opens the same database with the same token. Unset or false: both are deleted with the stream, and a re-created stream starts an empty database.",
      { default: false },
    ),
  },
  {
    default: {},
    'x-kubernetes-validations': [
      {
        rule: fixedOnceSet('storageClassName'),
        message:
          'influxdb.storageClassName cannot change: the volume claim template of a StatefulSet is immutable',
      },
    ],
  },
);

const secretKey = (description: string): Schema =>
  str(description, { minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$' });

/** An SMTP server's host:port (a host name or IPv4 address). */
const smtpHost = '^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?:[0-9]{1,5}$';

const notifications = obj(
  "Where Grafana sends the alerts of its rules (spec.alerts and the pipeline's own): a contact point with the webhook and/or the email addresses, made the root of Grafana's notification policy tree, so every alert reaches it (grouped by alert name; repeated every 4 hours while it fires). Unset: Grafana's defaults (its rules fire in its UI only). Grafana reads the URL, the SMTP credentials and this configuration when it starts: a change here rolls Grafana, a change of the Secrets' values needs a restart of its Deployment. The stream's NetworkPolicies must let Grafana reach the webhook and the SMTP server.",
  {
    webhook: obj(
      "POST every notification as Grafana's webhook JSON to a URL. The URL often carries a token (Slack, Teams, PagerDuty's Events API proxies...): it is read from a Secret, into Grafana's environment, never into the spec or a ConfigMap.",
      {
        urlSecret: obj(
          "The Secret in the stream's namespace and its key holding the URL (http or https).",
          {
            name: secretName('Name of the Secret.'),
            key: secretKey('Key of the URL in the Secret.'),
          },
          { required: ['name', 'key'] },
        ),
      },
      { required: ['urlSecret'] },
    ),
    email: obj(
      'Mail every notification to these addresses through an SMTP server.',
      {
        addresses: arr(
          'Recipients.',
          str('An email address.', { minLength: 3, maxLength: 254, pattern: '^[^@\\s;,]+@[^@\\s;,]+$' }),
          { minItems: 1, maxItems: 16, 'x-kubernetes-validations': [unique('email addresses')] },
        ),
        smtp: obj(
          'The SMTP server Grafana sends through (STARTTLS when the server offers it).',
          {
            host: str('host:port of the SMTP server, for example smtp.example.com:587.', {
              maxLength: 260,
              pattern: smtpHost,
            }),
            from: str('Sender address of the mails.', {
              minLength: 3,
              maxLength: 254,
              pattern: '^[^@\\s;,]+@[^@\\s;,]+$',
            }),
            secret: secretName(
              "Name of a Secret in the stream's namespace with keys user and password for the SMTP server. Unset: no authentication.",
            ),
          },
          { required: ['host', 'from'] },
        ),
      },
      { required: ['addresses', 'smtp'] },
    ),
  },
  {
    'x-kubernetes-validations': [
      {
        rule: 'has(self.webhook) || has(self.email)',
        message: 'grafana.notifications needs a webhook, an email or both',
      },
    ],
  },
);

const grafana = obj(
  'Grafana with the InfluxDB datasource and the candle dashboards provisioned.',
  {
    enabled: bool('Run Grafana for this stream.', { default: true }),
    image: image(
      "Grafana container image. Unset: the operator's default (grafana/grafana:12.1.1 unless the operator was installed with another), applied at every reconcile, so upgrading the operator moves the stream.",
    ),
    adminSecret: secretName(
      "Name of a Secret in this namespace with keys admin-user and admin-password for the Grafana administrator. Unset: user admin with a password generated into the stream's Secret.",
    ),
    nodePort: nodePort('Grafana (port 3000)'),
    notifications,
  },
  { default: {} },
);

const networkPolicies = obj(
  "NetworkPolicies of the pods the operator runs for this stream (producers, consumers, InfluxDB, Grafana): everything in and out is denied except DNS (port 53), the producer to Binance (the port of binance.baseUrl) and Kafka, the producer to InfluxDB, the consumers to Kafka and InfluxDB, Grafana to InfluxDB and (with grafana.notifications) TCP 443, 80 and the SMTP port, and in: InfluxDB from the workers and Grafana (and from anywhere with influxdb.nodePort), Grafana's port and the workers' metrics port 8080 from anywhere. Strimzi's own policy guards the Kafka pods. They take effect where the cluster's network plugin enforces NetworkPolicies; policies add up, so your own can open more.",
  {
    enabled: bool(
      "Create the stream's NetworkPolicies. false: the operator creates none (not even InfluxDB's) and deletes those it made.",
      { default: true },
    ),
  },
  { default: {} },
);

const alert = obj(
  'A threshold alert, provisioned as a Grafana alert rule on the enriched candles, and evaluated by the consumers on every closed candle (an event on the alerts-<interval> topic and the measurement alert, once per crossing).',
  {
    name: str('Name of the alert, unique in this stream (a DNS label).', {
      maxLength: 63,
      pattern: dnsLabel,
    }),
    symbol: str('Symbol the alert watches; one of spec.symbols.', { maxLength: 20 }),
    interval: str('Interval the alert watches; one of spec.intervals. Unset: the first of spec.intervals.', {
      enum: intervals,
    }),
    field: str(
      "Value compared with the thresholds: the candle's close or volume, the rsi or volatility indicator (spec.indicators' periods), or change: the close's change in percent over window candles, 100 · (close − close window candles earlier) / close window candles earlier.",
      { enum: ['close', 'volume', 'rsi', 'volatility', 'change'] },
    ),
    window: int('change only (and required there): the number of candles the change spans, 1 to 1000.', {
      minimum: 1,
      maximum: 1000,
    }),
    above: num('Fire when the value rises above this.'),
    below: num('Fire when the value falls below this.'),
  },
  {
    required: ['name', 'symbol', 'field'],
    'x-kubernetes-validations': [
      {
        rule: 'has(self.above) || has(self.below)',
        message: 'an alert needs a threshold: set above, below or both',
      },
      {
        rule: '!has(self.above) || !has(self.below) || self.below < self.above',
        message: "an alert's below must be lower than its above",
      },
      {
        rule: "(self.field == 'change') == has(self.window)",
        message: 'window is required for a change alert, and applies to change alerts only',
      },
    ],
  },
);

const autoscaling = obj(
  "Horizontal autoscaling of each interval's consumers: on CPU (an autoscaling/v2 HorizontalPodAutoscaler, which needs metrics-server), and also on consumer lag with lagThreshold where KEDA is installed.",
  {
    minReplicas: int('Fewest consumer replicas per interval.', { default: 1, minimum: 1, maximum: 100 }),
    maxReplicas: int(
      "Most consumer replicas per interval. Each symbol's candles go to one partition, so at most one replica per symbol has work: the autoscaler is capped at the number of symbols (minReplicas too).",
      { default: 4, minimum: 1, maximum: 100 },
    ),
    targetCPUUtilizationPercentage: int(
      'Average CPU utilisation (percent of requests) the autoscaler aims for.',
      {
        default: 70,
        minimum: 1,
        maximum: 100,
      },
    ),
    lagThreshold: int(
      "Also scale on the consumer group's lag: one replica per this many candles not yet consumed. Needs KEDA (keda.sh/v1alpha1): the operator then creates a ScaledObject with a CPU and a Kafka trigger instead of the HorizontalPodAutoscaler, and KEDA runs the autoscaler. Without KEDA the consumers scale on CPU only, and the Consumers condition says so. Unset: CPU only.",
      { minimum: 1, maximum: 100_000_000 },
    ),
  },
  {
    default: {},
    'x-kubernetes-validations': [
      {
        rule: 'self.minReplicas <= self.maxReplicas',
        message: 'consumer.autoscaling.minReplicas must not exceed maxReplicas',
      },
    ],
  },
);

export const specSchema: Schema = completeDefaults(
  obj(
    'Desired state of a market-data pipeline: what to fetch from Binance, and how to run Kafka, the workers, InfluxDB and Grafana.',
    {
      image: image(
        'CryptoStream image of the producers and consumers. Unset: the image the operator was installed with.',
      ),
      template: podTemplate,
      symbols: arr(
        'Binance symbols to follow, upper case (for example BTCUSDC).',
        str('A Binance symbol.', {
          maxLength: 20,
          'x-kubernetes-validations': [
            {
              rule: "self.matches('^[A-Z0-9]{2,20}$')",
              message: 'symbols must be upper-case Binance symbols such as BTCUSDC',
            },
          ],
        }),
        { minItems: 1, maxItems: 64, 'x-kubernetes-validations': [unique('symbols')] },
      ),
      intervals: arr(
        'Binance kline intervals to follow; each gets its own topic and consumers. One producer follows them all.',
        str('A Binance kline interval.', { enum: intervals }),
        {
          default: ['1m'],
          minItems: 1,
          maxItems: intervals.length,
          'x-kubernetes-validations': [unique('intervals')],
        },
      ),
      binance: obj(
        'Where candles come from.',
        {
          baseUrl: str('REST base URL of Binance or a compatible server.', {
            default: 'https://data-api.binance.vision',
            maxLength: 2048,
            'x-kubernetes-validations': [
              {
                rule: "isURL(self) && (url(self).getScheme() == 'https' || url(self).getScheme() == 'http')",
                message: 'binance.baseUrl must be an http(s) URL such as https://data-api.binance.vision',
              },
            ],
          }),
          backfillFrom: str(
            'Start of the backfill (RFC 3339, for example 2025-01-01T00:00:00Z). Unset: where the topic or the stored series left off, else far enough back for the longest indicator warm-up of each interval (at least 24 hours).',
            {
              format: 'date-time',
              maxLength: 64,
            },
          ),
        },
        { default: {} },
      ),
      indicators,
      kafka,
      influxdb,
      grafana,
      networkPolicies,
      producer: obj(
        'The producer: one Deployment of one replica that backfills and follows Binance for every interval of the stream, with one request-weight budget (Binance limits it per IP) and one WebSocket. Its calls to Binance are bounded by that budget rather than by the number of intervals, so the default resources do not grow with the intervals; raise the memory limit if the producer of a stream of many symbols and intervals comes near it.',
        {
          resources: resources('producer', ['50m', '64Mi'], ['500m', '256Mi']),
        },
        { default: {} },
      ),
      consumer: obj(
        'The consumers: per interval a Deployment that enriches candles and writes them to InfluxDB, scaled by an autoscaler.',
        { resources: resources('consumer', ['100m', '128Mi'], ['1', '512Mi']), autoscaling },
        { default: {} },
      ),
      alerts: arr('Threshold alerts.', alert, {
        default: [],
        maxItems: 32,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    },
    {
      required: ['symbols'],
      'x-kubernetes-validations': [
        {
          rule: 'self.alerts.all(a, a.symbol in self.symbols)',
          message: "every alert's symbol must be one of spec.symbols",
          fieldPath: '.alerts',
        },
        {
          rule: 'self.alerts.all(a, !has(a.interval) || a.interval in self.intervals)',
          message: "every alert's interval must be one of spec.intervals",
          fieldPath: '.alerts',
        },
        {
          rule: '!has(self.influxdb.nodePort) || !has(self.grafana.nodePort) || self.influxdb.nodePort != self.grafana.nodePort',
          message: 'influxdb.nodePort and grafana.nodePort must differ',
        },
        {
          // partitionsOf in core/operator/kafka/topics.ts: the larger of the two.
          rule:
            '(self.kafka.partitions >= oldSelf.kafka.partitions || self.consumer.autoscaling.maxReplicas >= oldSelf.kafka.partitions) && ' +
            '(self.kafka.partitions >= oldSelf.consumer.autoscaling.maxReplicas || self.consumer.autoscaling.maxReplicas >= oldSelf.consumer.autoscaling.maxReplicas)',
          message:
            "the topics' partition count, the larger of kafka.partitions and consumer.autoscaling.maxReplicas, cannot decrease: Kafka cannot remove partitions",
        },
      ],
    },
  ),
);

const condition = obj(
  'A standard Kubernetes condition (metav1.Condition).',
  {
    type: str('Kind of condition: Ready, Kafka, InfluxDB, Grafana, Producers or Consumers.', {
      maxLength: 316,
    }),
    status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
    observedGeneration: int('The .metadata.generation the condition was computed from.', { minimum: 0 }),
    lastTransitionTime: str('When the status last changed.', { format: 'date-time' }),
    reason: str('Machine-readable CamelCase reason.', {
      maxLength: 1024,
      minLength: 1,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: str('Human-readable detail.', { maxLength: 32768 }),
  },
  { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);

export const statusSchema: Schema = obj('Observed state, written by the operator.', {
  observedGeneration: int('The .metadata.generation the operator last reconciled.', { minimum: 0 }),
  conditions: arr(
    "Ready (the data path: Kafka, InfluxDB, Producers and Consumers), and one condition per component, from the children's own status (Grafana's too, which Ready does not wait for).",
    condition,
    {
      maxItems: 16,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
  ),
  symbolPartitions: {
    type: 'object',
    description:
      "The partition of every interval's topic that carries each symbol's candles, kept for the life of the topics so that a symbol's candles stay in order: a new symbol goes to the partition with the fewest symbols. Written by the operator, read by the producers.",
    additionalProperties: int('A partition number.', { minimum: 0 }),
    maxProperties: 1000,
  } as Schema,
  symbols: str(
    'spec.symbols as the operator last reconciled them, comma-separated, for the Symbols column of kubectl get: the first 4 and a count of the others (`BTCUSDC,ETHUSDC,XRPUSDC,SOLUSDC +2 more`).',
  ),
  intervals: str(
    'spec.intervals as the operator last reconciled them, comma-separated (`1m,1h`), for the Intervals column of kubectl get.',
  ),
  endpoints: obj("In-cluster addresses of the stream's services.", {
    kafka: str('Kafka bootstrap servers: the in-cluster Kafka, or kafka.external.bootstrapServers.'),
    influxdb: str('InfluxDB URL.'),
    grafana: str('Grafana URL.'),
  }),
});

export const rootSchema: Schema = obj(
  'A CryptoStream: Binance candles for some symbols and intervals, carried through Kafka, enriched with indicators, stored in InfluxDB and shown in Grafana.',
  {
    apiVersion: str('API version of this object (cryptostream.io/v1alpha1).'),
    kind: str('Kind of this object (CryptoStream).'),
    // The API server owns the metadata schema: a CRD may not describe it.
    metadata: { type: 'object' } as Schema,
    spec: specSchema,
    status: statusSchema,
  },
  {
    required: ['spec'],
    'x-kubernetes-validations': [
      {
        rule: `self.metadata.name.size() <= ${MAX_STREAM_NAME} && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')`,
        message: `metadata.name must be a DNS label of at most ${MAX_STREAM_NAME} characters starting with a letter: it prefixes the names of Services and other children, and Strimzi names the Kafka pods <name>-<name>-pool-<id>`,
      },
    ],
  },
);
