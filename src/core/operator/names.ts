import type { CryptoStream } from '../../api/v1alpha1/cryptostream.ts';
import type { Interval } from '../kline/interval.ts';

/** Kubernetes' limit for a DNS label: a Service's name, a pod's hostname, a label's value. */
export const DNS_LABEL_MAX = 63;
const POOL_SUFFIX = '-pool';
/** Node IDs of a pool of at most 9 nodes stay below 100 (Strimzi may skip IDs as a pool scales). */
const NODE_ID_DIGITS = 2;

/**
 * The longest stream name. The tightest of the names built from it is Strimzi's: a node pool's pods are
 * `<kafka>-<pool>-<node id>`, that name is each pod's hostname (a DNS label), and both the Kafka and its
 * pool carry the stream's name. Every other child's name and label value is shorter.
 */
export const MAX_STREAM_NAME = Math.floor((DNS_LABEL_MAX - POOL_SUFFIX.length - 1 - NODE_ID_DIGITS) / 2);

/**
 * Predictable child names, all prefixed with the stream's name (at most MAX_STREAM_NAME characters).
 * The Strimzi `Kafka` takes the stream's own name, so its bootstrap Service is `<name>-kafka-bootstrap`.
 */
export const names = (cr: CryptoStream) => {
  const n = cr.metadata.name;
  return {
    kafka: n,
    kafkaNodePool: `${n}${POOL_SUFFIX}`,
    /** The pod in which Strimzi runs Kafka node `id` of the pool. */
    kafkaNodePod: (id: number) => `${n}-${n}${POOL_SUFFIX}-${id}`,
    kafkaBootstrap: `${n}-kafka-bootstrap`,
    topic: (i: Interval) => `${n}-prices-${i}`,
    dlqTopic: (i: Interval) => `${n}-prices-${i}-dlq`,
    credentials: `${n}-credentials`,
    influxdb: `${n}-influxdb`,
    /** The headless Service that governs the InfluxDB StatefulSet (its pods' DNS names). */
    influxdbHeadless: `${n}-influxdb-headless`,
    influxdbInit: `${n}-influxdb-init`,
    /** The NetworkPolicy that lets the operator ask InfluxDB for Grafana's token (network/operator.ts). */
    influxdbFromOperator: `${n}-influxdb-operator`,
    grafana: `${n}-grafana`,
    grafanaProvisioning: `${n}-grafana-provisioning`,
    grafanaDashboards: `${n}-grafana-dashboards`,
    /** One producer for all the stream's intervals: one rate budget and one WebSocket per IP (issue 14). */
    producer: `${n}-producer`,
    consumer: (i: Interval) => `${n}-consumer-${i}`,
    workers: `${n}-workers`,
    /** NetworkPolicies of all the stream's pods and of the workers (InfluxDB's and Grafana's take their names). */
    defaultDeny: `${n}-default-deny`,
    dns: `${n}-dns`,
    producers: `${n}-producers`,
    consumers: `${n}-consumers`,
  };
};

/** Kafka topic names follow the worker contract (docs/configuration.md): prefix + interval, DLQ + `-dlq`. */
export const TOPIC_PREFIX = 'prices-';
export const topicName = (i: Interval): string => `${TOPIC_PREFIX}${i}`;

/**
 * On a Kafka the stream shares with other streams and applications (`kafka.external`), its topics and consumer
 * groups start with `cryptostream.<namespace>.<name>.`, so two streams never read or resume from each other's
 * candles; a stream's own Strimzi Kafka needs no prefix.
 */
const sharedKafkaPrefix = (cr: CryptoStream): string =>
  cr.spec.kafka.external === undefined ? '' : `cryptostream.${cr.metadata.namespace}.${cr.metadata.name}.`;
export const topicPrefixOf = (cr: CryptoStream): string => `${sharedKafkaPrefix(cr)}${TOPIC_PREFIX}`;
export const consumerGroupOf = (cr: CryptoStream, i: Interval): string =>
  `${sharedKafkaPrefix(cr)}consumer-${i}`;
export const dlqTopicName = (i: Interval): string => `${topicName(i)}-dlq`;

export const INFLUX_PORT = 8086;
export const GRAFANA_PORT = 3000;
export const KAFKA_PORT = 9092;
export const WORKER_HTTP_PORT = 8080;
export const BUCKET_RAW = 'marketdata_raw';
export const BUCKET_ENRICHED = 'marketdata_enriched';

/** Addresses of the stream's services (`status.endpoints`): in the cluster, except an external Kafka. */
export const endpointsOf = (cr: CryptoStream) => {
  const n = names(cr);
  const ns = cr.metadata.namespace;
  return {
    kafka: cr.spec.kafka.external?.bootstrapServers ?? `${n.kafkaBootstrap}.${ns}.svc:${KAFKA_PORT}`,
    influxdb: `http://${n.influxdb}.${ns}.svc:${INFLUX_PORT}`,
    ...(cr.spec.grafana.enabled ? { grafana: `http://${n.grafana}.${ns}.svc:${GRAFANA_PORT}` } : {}),
  };
};
