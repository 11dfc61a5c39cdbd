import type { CryptoStream } from '../../api/v1alpha1/cryptostream.ts';
import { influxdbNetworkPolicy, serviceAccounts } from './access.ts';
import { consumerHpa, consumerPdb } from './workers/autoscaling.ts';
import type { Child } from './child.ts';
import { credentialsSecret } from './influxdb/credentials.ts';
import type { Credentials } from './influxdb/credentials.ts';
import { grafanaDeployment, grafanaService } from './grafana/grafana.ts';
import { grafanaDashboards, grafanaProvisioning } from './grafana/provisioning.ts';
import { influxdbInit, influxdbService, influxdbStatefulSet } from './influxdb/influxdb.ts';
import { DEFAULT_IMAGES } from './images.ts';
import type { DefaultImages } from './images.ts';
import { kafka, kafkaNodePool } from './kafka/kafka.ts';
import { dlqTopic, intervalTopic } from './kafka/topics.ts';
import { consumer, producer } from './workers/workers.ts';

/**
 * What the reconcile reads besides the resource: the operator's own image (the workers'), the stream's
 * credentials, and the operator's default InfluxDB and Grafana images (DEFAULT_IMAGES when not given).
 */
export type Inputs = {
  readonly image: string;
  readonly credentials: Credentials;
  readonly defaultImages?: DefaultImages;
};

/** The in-cluster Kafka: Strimzi's Kafka, its node pool and the topics (none with `kafka.external`). */
const strimziKafka = (cr: CryptoStream): Child[] => [
  kafka(cr),
  kafkaNodePool(cr),
  ...cr.spec.intervals.flatMap((i) => [intervalTopic(cr, i), dlqTopic(cr, i)]),
];

/** Grafana, rolled by its Deployment whenever its generated configuration (the two ConfigMaps) changes. */
const grafana = (cr: CryptoStream, defaultImage: string): Child[] => {
  const config = [grafanaProvisioning(cr), grafanaDashboards(cr)];
  return [...config, grafanaService(cr), grafanaDeployment(cr, defaultImage, config)];
};

/**
 * Every child of a (defaulted) CryptoStream. Equal input, equal output: no clocks, no random names; what
 * the cluster holds (the generated credentials) comes in as an argument.
 */
export const desiredState = (
  cr: CryptoStream,
  { image, credentials, defaultImages = DEFAULT_IMAGES }: Inputs,
): Child[] => [
  credentialsSecret(cr, credentials),
  ...serviceAccounts(cr),
  ...(cr.spec.kafka.external === undefined ? strimziKafka(cr) : []),
  influxdbInit(cr),
  influxdbService(cr),
  influxdbStatefulSet(cr, defaultImages.influxdb),
  influxdbNetworkPolicy(cr),
  ...(cr.spec.grafana.enabled ? grafana(cr, defaultImages.grafana) : []),
  ...cr.spec.intervals.flatMap((i) => [
    producer(cr, image, i),
    consumer(cr, image, i),
    consumerHpa(cr, i),
    consumerPdb(cr, i),
  ]),
];
