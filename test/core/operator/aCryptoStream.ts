import type { KubernetesObject } from '@kubernetes/client-node';
import { defaulted } from '../../../src/api/v1alpha1/defaults.ts';
import type { CryptoStream } from '../../../src/api/v1alpha1/cryptostream.ts';
import type { Inputs } from '../../../src/core/operator/desiredState.ts';
import type { Child } from '../../../src/core/operator/child.ts';

/** A defaulted CryptoStream `demo` in namespace `markets`; `spec` overrides the five-line resource. */
export const aCryptoStream = (spec: Record<string, unknown> = {}, generation = 1): CryptoStream =>
  defaulted({
    apiVersion: 'cryptostream.io/v1alpha1',
    kind: 'CryptoStream',
    metadata: { name: 'demo', namespace: 'markets', uid: 'uid-demo', generation },
    spec: { symbols: ['BTCUSDC', 'ETHUSDC'], ...spec },
  });

export const inputs: Inputs = {
  image: 'ghcr.io/example/cryptostream:1.0.0',
  credentials: {
    influxPassword: 'influx-pass',
    influxToken: 'influx-token',
    grafanaPassword: 'grafana-pass',
  },
};

/**
 * A pod of a workload as the kubelet reports it: the workload's pod labels, one container (named after
 * the workload's first container) with its image, waiting for `waiting.reason` when given.
 */
export const aPod = (
  name: string,
  workload: KubernetesObject,
  container: { image: string; waiting?: { reason: string; message?: string } },
): KubernetesObject & Record<string, unknown> => {
  const template = (
    workload as {
      spec?: {
        template?: {
          metadata?: { labels?: Record<string, string> };
          spec?: { containers?: { name: string }[] };
        };
      };
    }
  ).spec?.template;
  const containerName = template?.spec?.containers?.[0]?.name ?? 'main';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: workload.metadata?.namespace ?? '',
      labels: template?.metadata?.labels ?? {},
    },
    spec: { containers: [{ name: containerName, image: container.image }] },
    status: {
      phase: 'Pending',
      containerStatuses: [
        {
          name: containerName,
          image: container.image,
          ready: false,
          restartCount: 0,
          state: container.waiting === undefined ? { running: {} } : { waiting: container.waiting },
        },
      ],
    },
  };
};

/** A child as the API serves it once its controller made it ready (Deployments, StatefulSets, Strimzi kinds). */
export const ready = (c: Child): KubernetesObject & Record<string, unknown> => {
  const live = { ...structuredClone(c), metadata: { ...c.metadata, generation: 1 } } as Child &
    Record<string, unknown>;
  if (c.kind === 'Deployment' || c.kind === 'StatefulSet') {
    const replicas = (c['spec'] as { replicas?: number }).replicas ?? 1;
    return {
      ...live,
      status: {
        observedGeneration: 1,
        replicas,
        readyReplicas: replicas,
        updatedReplicas: replicas,
        availableReplicas: replicas,
      },
    };
  }
  if (c.kind === 'Kafka' || c.kind === 'KafkaTopic')
    return { ...live, status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] } };
  return live;
};
