import type { CryptoStream, PodTemplate } from '../../api/v1alpha1/cryptostream.ts';
import { serviceAccounts } from './access.ts';
import { consumerHpa, consumerPdb } from './workers/autoscaling.ts';
import type { Child } from './child.ts';
import { credentialsSecret } from './influxdb/credentials.ts';
import type { Credentials } from './influxdb/credentials.ts';
import { grafanaDeployment, grafanaService } from './grafana/grafana.ts';
import { grafanaDashboards, grafanaProvisioning } from './grafana/provisioning.ts';
import { withInfluxToken } from './grafana/influxToken.ts';
import {
  influxdbHeadlessService,
  influxdbInit,
  influxdbService,
  influxdbStatefulSet,
} from './influxdb/influxdb.ts';
import { DEFAULT_IMAGES } from './images.ts';
import type { DefaultImages } from './images.ts';
import { kafka, kafkaNodePool } from './kafka/kafka.ts';
import { networkPolicies } from './network/policies.ts';
import { influxdbFromOperator } from './network/operator.ts';
import { ownPodTemplate } from './podTemplate.ts';
import { alertTopic, dlqTopic, intervalTopic } from './kafka/topics.ts';
import { podMonitor } from './monitoring/podMonitor.ts';
import { consumer, producer } from './workers/workers.ts';
import { consumerScaledObject, kafkaLagAuthentication, scalesOnLag } from './workers/lagScaling.ts';
import type { Interval } from '../kline/interval.ts';

/**
 * What the reconcile reads besides the resource: the operator's own image (the workers'), the stream's
 * credentials, and the operator's default InfluxDB and Grafana images (DEFAULT_IMAGES when not given) and
 * image pull secrets (names of Secrets; for the pods of streams whose `spec.template` names none: ownPodTemplate).
 */
export type Inputs = {
  readonly image: string;
  readonly credentials: Credentials;
  readonly defaultImages?: DefaultImages;
  readonly imagePullSecrets?: readonly string[];
  /** The namespace the operator's pods run in; unset outside the cluster (network/operator.ts). */
  readonly operatorNamespace?: string;
  /** The cluster serves KEDA's ScaledObject: consumers with a lagThreshold scale on lag too (lagScaling.ts). */
  readonly kedaInstalled?: boolean;
  /** The cluster serves the Prometheus Operator's PodMonitor: the stream gets one for its workers (monitoring/). */
  readonly podMonitorInstalled?: boolean;
};

/** The consumers' autoscaler: KEDA's ScaledObject when the stream scales on lag and KEDA is there, else the HPA. */
const consumerAutoscaler = (cr: CryptoStream, i: Interval, kedaInstalled: boolean): Child =>
  kedaInstalled && scalesOnLag(cr) ? consumerScaledObject(cr, i) : consumerHpa(cr, i);

/**
 * The in-cluster Kafka: Strimzi's Kafka, its node pool and the topics, per interval the prices, their dead
 * letters and the consumers' alert events (none with `kafka.external`: the workers create them there).
 */
const strimziKafka = (cr: CryptoStream): Child[] => [
  kafka(cr),
  kafkaNodePool(cr),
  ...cr.spec.intervals.flatMap((i) => [intervalTopic(cr, i), dlqTopic(cr, i), alertTopic(cr, i)]),
];

/** Grafana, rolled by its Deployment whenever its generated configuration (the two ConfigMaps) changes. */
const grafana = (cr: CryptoStream, defaultImage: string, pods: PodTemplate, c: Credentials): Child[] => {
  const config = [grafanaProvisioning(cr), grafanaDashboards(cr)];
  const deployment = grafanaDeployment(cr, defaultImage, config, pods);
  return [...config, grafanaService(cr), withInfluxToken(deployment, c.grafanaInfluxToken)];
};

/**
 * Every child of a (defaulted) CryptoStream. Equal input, equal output: no clocks, no random names; what
 * the cluster holds (the generated credentials) comes in as an argument.
 */
export const desiredState = (
  cr: CryptoStream,
  {
    image,
    credentials,
    defaultImages = DEFAULT_IMAGES,
    imagePullSecrets = [],
    operatorNamespace,
    kedaInstalled = false,
    podMonitorInstalled = false,
  }: Inputs,
): Child[] => [
  credentialsSecret(cr, credentials),
  ...serviceAccounts(cr),
  ...(cr.spec.kafka.external === undefined ? strimziKafka(cr) : []),
  influxdbInit(cr),
  influxdbService(cr),
  influxdbHeadlessService(cr),
  influxdbStatefulSet(cr, defaultImages.influxdb, ownPodTemplate(cr, imagePullSecrets)),
  ...(cr.spec.grafana.enabled
    ? grafana(cr, defaultImages.grafana, ownPodTemplate(cr, imagePullSecrets), credentials)
    : []),
  // One producer for every interval (one rate budget per IP); the consumers, per interval.
  producer(cr, image, ownPodTemplate(cr, imagePullSecrets)),
  ...cr.spec.intervals.flatMap((i) => [
    consumer(cr, image, i, ownPodTemplate(cr, imagePullSecrets)),
    consumerAutoscaler(cr, i, kedaInstalled),
    consumerPdb(cr, i),
  ]),
  ...(kedaInstalled ? kafkaLagAuthentication(cr) : []),
  ...(podMonitorInstalled ? [podMonitor(cr)] : []),
  ...networkPolicies(cr),
  ...influxdbFromOperator(cr, operatorNamespace),
];
