import type { V1Deployment, V1EnvVar } from '@kubernetes/client-node';
import type { CryptoStream, PodTemplate, Resources } from '../../../api/v1alpha1/cryptostream.ts';
import type { Interval } from '../../kline/interval.ts';
import { derivationPlan } from '../../pipeline/derivation.ts';
import { nodeOptionsFor } from './memory.ts';
import { metaFor, selectorLabels } from '../child.ts';
import type { Child } from '../child.ts';
import { SECRET_KEYS } from '../influxdb/credentials.ts';
import { env, secretEnv } from '../env.ts';
import { kafkaCaVolume, kafkaEnv } from '../kafka/connection.ts';
import { alertsOf } from './alerts.ts';
import { alertTopicOf, symbolPartitionsOf } from '../kafka/topics.ts';
import { formatSymbolPartitions } from '../../kline/partitions.ts';
import {
  BUCKET_ENRICHED,
  BUCKET_RAW,
  consumerGroupOf,
  endpointsOf,
  names,
  WORKER_HTTP_PORT,
} from '../names.ts';
import { podPlacement } from '../podTemplate.ts';
import { httpProbes, restrictedContainer, restrictedPod } from '../security.ts';

/** The `node` user of the CryptoStream image. */
const WORKER_UID = 1000;

export type Role = 'producer' | 'consumer';

/** What both roles get: the stream's Kafka, the HTTP port, and V8's heap capped below the memory limit. */
const commonEnv = (cr: CryptoStream, resources: Resources): V1EnvVar[] => {
  const nodeOptions = nodeOptionsFor(resources.limits.memory);
  return [
    ...kafkaEnv(cr),
    env('CRYPTOSTREAM_HTTP_PORT', String(WORKER_HTTP_PORT)),
    ...(nodeOptions === undefined ? [] : [env('NODE_OPTIONS', nodeOptions)]),
  ];
};

/**
 * The producer's environment, exactly the contract of docs/configuration.md: every interval of the stream
 * (CRYPTOSTREAM_INTERVALS) in one process, so one rate gate spends Binance's per-IP request weight and one
 * WebSocket carries every symbol and interval. The symbols' partitions are the same in every interval's topic.
 */
const producerEnv = (cr: CryptoStream): V1EnvVar[] => [
  env('CRYPTOSTREAM_SYMBOLS', cr.spec.symbols.join(',')),
  env('CRYPTOSTREAM_SYMBOL_PARTITIONS', formatSymbolPartitions(symbolPartitionsOf(cr), cr.spec.symbols)),
  env('CRYPTOSTREAM_INTERVALS', cr.spec.intervals.join(',')),
  ...commonEnv(cr, cr.spec.producer.resources),
  env('CRYPTOSTREAM_BINANCE_URL', cr.spec.binance.baseUrl),
  ...(cr.spec.binance.backfillFrom === undefined
    ? []
    : [env('CRYPTOSTREAM_BACKFILL_FROM', cr.spec.binance.backfillFrom)]),
  // The consumers' indicators: without a backfill start, the producer reaches back their longest warm-up.
  env('CRYPTOSTREAM_INDICATORS', JSON.stringify(cr.spec.indicators)),
  // The raw bucket: the producer finds the holes of the stored series there and repairs them, and writes
  // its `pipeline` health points next to the candles.
  ...influxEnv(cr),
];

/** InfluxDB and its raw bucket, as both roles name them; the token from the stream's credentials Secret. */
const influxEnv = (cr: CryptoStream): V1EnvVar[] => [
  env('CRYPTOSTREAM_INFLUX_URL', endpointsOf(cr).influxdb),
  secretEnv('CRYPTOSTREAM_INFLUX_TOKEN', names(cr).credentials, SECRET_KEYS.influxToken),
  env('CRYPTOSTREAM_INFLUX_ORG', cr.spec.influxdb.org),
  env('CRYPTOSTREAM_INFLUX_BUCKET_RAW', BUCKET_RAW),
];

/** An interval's consumers' environment, exactly the contract of docs/configuration.md. */
const consumerEnv = (cr: CryptoStream, interval: Interval): V1EnvVar[] => [
  env('CRYPTOSTREAM_INTERVAL', interval),
  ...commonEnv(cr, cr.spec.consumer.resources),
  env('CRYPTOSTREAM_CONSUMER_GROUP', consumerGroupOf(cr, interval)),
  ...influxEnv(cr),
  env('CRYPTOSTREAM_INFLUX_BUCKET_ENRICHED', BUCKET_ENRICHED),
  // The buckets get their retention at InfluxDB's first start; a later change reaches them through the
  // consumers (a changed value rolls them, and each applies it when it starts).
  env('CRYPTOSTREAM_INFLUX_RETENTION_DAYS', String(cr.spec.influxdb.retentionDays)),
  env('CRYPTOSTREAM_INDICATORS', JSON.stringify(cr.spec.indicators)),
  // Data quality: each listed interval is derived from its nearest finer one and compared.
  ...derivedFrom(cr, interval),
  // Alerts (docs/alerts.md): the interval's rules, evaluated on every closed candle, and their topic.
  env('CRYPTOSTREAM_ALERTS', JSON.stringify(alertsOf(cr, interval))),
  env('CRYPTOSTREAM_ALERTS_TOPIC', alertTopicOf(cr, interval)),
];

const derivedFrom = (cr: CryptoStream, interval: Interval): V1EnvVar[] => {
  const targets = derivationPlan(cr.spec.intervals as Interval[]).get(interval) ?? [];
  return targets.length === 0 ? [] : [env('CRYPTOSTREAM_DERIVE', targets.join(','))];
};

const resourcesOf = (r: Resources) => ({
  requests: { cpu: r.requests.cpu, memory: r.requests.memory },
  limits: { cpu: r.limits.cpu, memory: r.limits.memory },
});

/** A worker Deployment: its role, name, labels (with the interval for a consumer), environment and resources. */
type Worker = {
  readonly role: Role;
  readonly name: string;
  readonly interval?: Interval;
  readonly env: V1EnvVar[];
  readonly resources: Resources;
};

/**
 * A worker Deployment: the operator image, `args: [role]`. `template`: the stream's pod template
 * (ownPodTemplate).
 */
const workerDeployment = (
  cr: CryptoStream,
  image: string,
  template: PodTemplate,
  { role, name, interval, env: vars, resources }: Worker,
): Child & V1Deployment => {
  const meta = metaFor(cr, name, role, interval);
  const ca = kafkaCaVolume(cr);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta,
    spec: {
      ...(role === 'producer' ? { replicas: 1, strategy: { type: 'Recreate' } } : {}),
      selector: { matchLabels: selectorLabels(cr, role, interval) },
      template: {
        metadata: { labels: meta.labels! },
        spec: {
          serviceAccountName: names(cr).workers,
          automountServiceAccountToken: false,
          securityContext: restrictedPod(WORKER_UID),
          containers: [
            {
              name: role,
              image: cr.spec.image ?? image,
              args: [role],
              env: vars,
              ports: [{ name: 'http', containerPort: WORKER_HTTP_PORT, protocol: 'TCP' }],
              ...httpProbes('http', '/readyz', '/healthz'),
              resources: resourcesOf(resources),
              securityContext: restrictedContainer,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...ca.volumeMounts],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }, ...ca.volumes],
          ...podPlacement(template),
        },
      },
    },
  };
};

/**
 * The stream's one producer, for all its intervals: Binance limits request weight per IP, so one process
 * with one rate gate (a 429 pauses every interval) and one WebSocket. A single replica that is replaced, not
 * rolled (two would fetch the same klines twice); its labels carry no interval.
 */
export const producer = (cr: CryptoStream, image: string, template: PodTemplate): Child & V1Deployment =>
  workerDeployment(cr, image, template, {
    role: 'producer',
    name: names(cr).producer,
    env: producerEnv(cr),
    resources: cr.spec.producer.resources,
  });

/** An interval's consumers. They claim no `replicas`: their HorizontalPodAutoscaler owns the field. */
export const consumer = (
  cr: CryptoStream,
  image: string,
  interval: Interval,
  template: PodTemplate,
): Child & V1Deployment =>
  workerDeployment(cr, image, template, {
    role: 'consumer',
    name: names(cr).consumer(interval),
    interval,
    env: consumerEnv(cr, interval),
    resources: cr.spec.consumer.resources,
  });
