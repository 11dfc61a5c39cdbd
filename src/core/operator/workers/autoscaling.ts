import type { V1PodDisruptionBudget, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import type { Interval } from '../../kline/interval.ts';
import { metaFor, selectorLabels } from '../child.ts';
import type { Child } from '../child.ts';
import { names } from '../names.ts';

/**
 * The replicas that can work: each symbol's candles are on one partition (symbolPartitionsOf), and a
 * partition is read by one member of the consumer group, so replicas beyond the number of symbols idle.
 */
export const replicaRangeOf = (cr: CryptoStream): { minReplicas: number; maxReplicas: number } => {
  const { minReplicas, maxReplicas } = cr.spec.consumer.autoscaling;
  const most = Math.min(maxReplicas, cr.spec.symbols.length);
  return { minReplicas: Math.min(minReplicas, most), maxReplicas: most };
};

/** Scales an interval's consumers on CPU between the stream's min and max replicas, capped at its symbols. */
export const consumerHpa = (cr: CryptoStream, interval: Interval): Child & V2HorizontalPodAutoscaler => {
  const { targetCPUUtilizationPercentage } = cr.spec.consumer.autoscaling;
  const { minReplicas, maxReplicas } = replicaRangeOf(cr);
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metaFor(cr, names(cr).consumer(interval), 'consumer', interval),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: names(cr).consumer(interval) },
      minReplicas,
      maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: targetCPUUtilizationPercentage },
          },
        },
      ],
    },
  };
};

/** Voluntary disruptions (drains) take one consumer of an interval at a time; Kafka rebalances the rest. */
export const consumerPdb = (cr: CryptoStream, interval: Interval): Child & V1PodDisruptionBudget => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: metaFor(cr, names(cr).consumer(interval), 'consumer', interval),
  spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(cr, 'consumer', interval) } },
});
