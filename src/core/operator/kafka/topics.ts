import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import type { Interval } from '../../kline/interval.ts';
import { assignPartitions, type SymbolPartitions } from '../../kline/partitions.ts';
import { metaFor } from '../child.ts';
import type { Child } from '../child.ts';
import { replicationOf, STRIMZI_API, STRIMZI_CLUSTER_LABEL } from './kafka.ts';
import { alertTopicName } from '../../alerts/encode.ts';
import { dlqTopicName, names, TOPIC_PREFIX, topicName, topicPrefixOf } from '../names.ts';

const HOUR_MS = 3_600_000;

/** How long Kafka keeps the candles and alerts of the topics of an interval. */
export const retentionMsOf = (cr: CryptoStream): number => cr.spec.kafka.retentionHours * HOUR_MS;

/** At least one partition per consumer replica the autoscaler may start, or some would sit idle. */
export const partitionsOf = (cr: CryptoStream): number =>
  Math.max(cr.spec.kafka.partitions, cr.spec.consumer.autoscaling.maxReplicas);

/**
 * The partition of each symbol in every interval's topic: what the status keeps, with the symbols listed
 * since placed on the least loaded partitions (the producers publish by it; see assignPartitions).
 */
export const symbolPartitionsOf = (cr: CryptoStream): SymbolPartitions =>
  assignPartitions(cr.status?.symbolPartitions ?? {}, cr.spec.symbols, partitionsOf(cr));

const topic = (
  cr: CryptoStream,
  interval: Interval,
  name: string,
  topicName: string,
  partitions: number,
): Child => {
  const meta = metaFor(cr, name, 'topic', interval);
  return {
    apiVersion: STRIMZI_API,
    kind: 'KafkaTopic',
    metadata: { ...meta, labels: { ...meta.labels, [STRIMZI_CLUSTER_LABEL]: names(cr).kafka } },
    spec: {
      topicName,
      partitions,
      replicas: replicationOf(cr.spec.kafka.replicas).factor,
      config: { 'retention.ms': retentionMsOf(cr), 'cleanup.policy': 'delete' },
    },
  };
};

/** The interval's topic, one partition per consumer replica at least; symbolPartitionsOf places the symbols. */
export const intervalTopic = (cr: CryptoStream, i: Interval): Child =>
  topic(cr, i, names(cr).topic(i), topicName(i), partitionsOf(cr));

/** Its dead-letter topic: rejected messages are rare, so one partition keeps them in order. */
export const dlqTopic = (cr: CryptoStream, i: Interval): Child =>
  topic(cr, i, names(cr).dlqTopic(i), dlqTopicName(i), 1);

/** The alert topic's child: `<stream>-alerts-<interval>`, beside `<stream>-prices-<interval>`. */
export const alertTopicChildName = (cr: CryptoStream, i: Interval): string =>
  `${cr.metadata.name}-alerts-${i}`;

/**
 * The name of the topic an interval's consumers publish their alert events to (src/core/alerts/encode.ts):
 * `alerts-<interval>`, with the stream's prefix on a shared Kafka (`cryptostream.<namespace>.<name>.`), as
 * the prices topics have it (names.ts).
 */
export const alertTopicOf = (cr: CryptoStream, i: Interval): string =>
  `${topicPrefixOf(cr).slice(0, -TOPIC_PREFIX.length)}${alertTopicName(i)}`;

/** Partitions of an alert topic: alerts are rare, and one partition keeps all of an interval's in order. */
export const ALERT_TOPIC_PARTITIONS = 1;

/**
 * The interval's alert topic (`cleanup.policy=delete`, never compaction: the events are keyed by symbol,
 * and compaction would keep each symbol's last only), with the prices topics' retention.
 */
export const alertTopic = (cr: CryptoStream, i: Interval): Child =>
  topic(cr, i, alertTopicChildName(cr, i), alertTopicName(i), ALERT_TOPIC_PARTITIONS);
