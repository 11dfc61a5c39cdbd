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
import { symbolPartitionsOf } from '../kafka/topics.ts';
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

/** Environment of each role: exactly the contract of docs/configuration.md. */
const roleEnv = (cr: CryptoStream, role: Role, interval: Interval): V1EnvVar[] => {
  const nodeOptions = nodeOptionsFor(
    (role === 'producer' ? cr.spec.producer : cr.spec.consumer).resources.limits.memory,
  );
  const common = [
    env('CRYPTOSTREAM_INTERVAL', interval),
    ...kafkaEnv(cr),
    env('CRYPTOSTREAM_HTTP_PORT', String(WORKER_HTTP_PORT)),
    ...(nodeOptions === undefined ? [] : [env('NODE_OPTIONS', nodeOptions)]),
  ];
  if (role === 'producer')
    return [
      env('CRYPTOSTREAM_SYMBOLS', cr.spec.symbols.join(',')),
      env('CRYPTOSTREAM_SYMBOL_PARTITIONS', formatSymbolPartitions(symbolPartitionsOf(cr), cr.spec.symbols)),
      ...common,
      env('CRYPTOSTREAM_BINANCE_URL', cr.spec.binance.baseUrl),
      ...(cr.spec.binance.backfillFrom === undefined
        ? []
        : [env('CRYPTOSTREAM_BACKFILL_FROM', cr.spec.binance.backfillFrom)]),
      // The consumers' indicators: without a backfill start, the producer reaches back their longest warm-up.
      env('CRYPTOSTREAM_INDICATORS', JSON.stringify(cr.spec.indicators)),
    ];
  return [
    ...common,
    env('CRYPTOSTREAM_CONSUMER_GROUP', consumerGroupOf(cr, interval)),
    env('CRYPTOSTREAM_INFLUX_URL', endpointsOf(cr).influxdb),
    secretEnv('CRYPTOSTREAM_INFLUX_TOKEN', names(cr).credentials, SECRET_KEYS.influxToken),
    env('CRYPTOSTREAM_INFLUX_ORG', cr.spec.influxdb.org),
    env('CRYPTOSTREAM_INFLUX_BUCKET_RAW', BUCKET_RAW),
    env('CRYPTOSTREAM_INFLUX_BUCKET_ENRICHED', BUCKET_ENRICHED),
    // The buckets get their retention at InfluxDB's first start; a later change reaches them through the
    // consumers (a changed value rolls them, and each applies it when it starts).
    env('CRYPTOSTREAM_INFLUX_RETENTION_DAYS', String(cr.spec.influxdb.retentionDays)),
    env('CRYPTOSTREAM_INDICATORS', JSON.stringify(cr.spec.indicators)),
    // Data quality: each listed interval is derived from its nearest finer one and compared.
    ...derivedFrom(cr, interval),
  ];
};

const derivedFrom = (cr: CryptoStream, interval: Interval): V1EnvVar[] => {
  const targets = derivationPlan(cr.spec.intervals as Interval[]).get(interval) ?? [];
  return targets.length === 0 ? [] : [env('CRYPTOSTREAM_DERIVE', targets.join(','))];
};

const resourcesOf = (r: Resources) => ({
  requests: { cpu: r.requests.cpu, memory: r.requests.memory },
  limits: { cpu: r.limits.cpu, memory: r.limits.memory },
});

/**
 * One Deployment per role and interval, same image, `args: [role]`. A producer is a single replica that is
 * replaced, not rolled (two would fetch the same klines twice). Consumers claim no `replicas`: their
 * HorizontalPodAutoscaler owns the field. `template`: the stream's pod template (ownPodTemplate).
 */
export const worker =
  (role: Role) =>
  (cr: CryptoStream, image: string, interval: Interval, template: PodTemplate): Child & V1Deployment => {
    const name = role === 'producer' ? names(cr).producer(interval) : names(cr).consumer(interval);
    const resources = role === 'producer' ? cr.spec.producer.resources : cr.spec.consumer.resources;
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
                env: roleEnv(cr, role, interval),
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

export const producer = worker('producer');
export const consumer = worker('consumer');
