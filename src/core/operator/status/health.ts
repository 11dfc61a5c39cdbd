import type { KubernetesObject } from '@kubernetes/client-node';
import type { ConditionValue } from './conditions.ts';
import { selectedBy, troubleOf } from './pods.ts';
import type { Pod } from './pods.ts';

/** What one child says about itself: ready, or why not. */
export type Health = { readonly ready: boolean; readonly reason: string; readonly message: string };

type Live = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const current = (o: Live): boolean =>
  o.metadata?.generation === undefined || num(o.status?.['observedGeneration']) >= o.metadata.generation;

/**
 * A Deployment or StatefulSet: the controller saw the current spec and enough replicas are ready and
 * updated. When they are not and one of its pods is stuck (see `podTrouble`), the pod's reason says why.
 */
export const workloadHealth = (o: Live | undefined, what: string, pods: readonly Pod[] = []): Health => {
  if (o === undefined) return { ready: false, reason: 'NotCreated', message: `${what} does not exist yet` };
  const wanted = typeof o.spec?.['replicas'] === 'number' ? o.spec['replicas'] : 1;
  const ready = num(o.status?.['readyReplicas']);
  const updated = num(o.status?.['updatedReplicas']);
  const message = `${what}: ${ready}/${wanted} replicas ready`;
  if (!current(o))
    return {
      ready: false,
      reason: 'Progressing',
      message: `${what}: rollout of the new spec not observed yet`,
    };
  if (ready >= wanted && updated >= wanted) return { ready: true, reason: 'Ready', message };
  const trouble = troubleOf(pods.filter(selectedBy(o)));
  if (trouble !== undefined) return { ...trouble, message: `${message}; ${trouble.message}` };
  return { ready: false, reason: updated < wanted ? 'Progressing' : 'Unavailable', message };
};

/** A condition as Strimzi and KEDA write them into their resources' status. */
type Condition = { type?: string; status?: string; reason?: string; message?: string };

const conditionsOf = (o: Live): Condition[] => (o.status?.['conditions'] ?? []) as Condition[];

/** A Strimzi resource (Kafka, KafkaTopic): its own `Ready` condition, for the current generation. */
export const strimziHealth = (o: Live | undefined, what: string): Health => {
  if (o === undefined) return { ready: false, reason: 'NotCreated', message: `${what} does not exist yet` };
  const conditions = conditionsOf(o);
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready === undefined || !current(o))
    return {
      ready: false,
      reason: 'Pending',
      message: `${what}: waiting for the Strimzi operator to reconcile it`,
    };
  if (ready.status === 'True') return { ready: true, reason: 'Ready', message: `${what} is ready` };
  const failed = conditions.find((c) => c.type === 'NotReady' || c.status === 'False');
  const detail = failed?.message ?? ready.message ?? '';
  return {
    ready: false,
    reason: failed?.reason ?? ready.reason ?? 'NotReady',
    message: `${what} is not ready${detail === '' ? '' : `: ${detail}`}`,
  };
};

/**
 * Scaling on lag, as a note of the Consumers condition (the candles flow either way, so it never holds
 * Ready back): KEDA's ScaledObject and its own Ready condition, or why the consumers scale on CPU only.
 */
export const lagScalingHealth = (scaledObject: Live | undefined): Health => {
  if (scaledObject === undefined)
    return {
      ready: true,
      reason: 'CpuOnly',
      message:
        'consumer.autoscaling.lagThreshold needs KEDA, which this cluster does not serve (keda.sh/v1alpha1 ScaledObject): scaling on CPU only',
    };
  const ready = conditionsOf(scaledObject).find((c) => c.type === 'Ready');
  const state =
    ready === undefined
      ? 'waiting for KEDA'
      : ready.status === 'True'
        ? 'KEDA scales on CPU and lag'
        : `KEDA reports it not ready: ${ready.message ?? ''}`;
  return {
    ready: true,
    reason: 'Ready',
    message: `ScaledObject ${scaledObject.metadata?.name ?? ''}: ${state}`,
  };
};

/**
 * Folds the health of a component's children into its condition: ready when every child is, with their
 * common reason (`Ready`, or `Disabled`, `External` for a component the operator does not run).
 */
export const componentCondition = (type: string, healths: readonly Health[]): ConditionValue => {
  const failing = healths.filter((h) => !h.ready);
  const reasons = new Set(healths.map((h) => h.reason));
  if (failing.length === 0)
    return {
      type,
      status: 'True',
      reason: reasons.size === 1 ? [...reasons][0]! : 'Ready',
      message: healths.map((h) => h.message).join('; ') || 'nothing to run',
    };
  return {
    type,
    status: 'False',
    reason: failing[0]!.reason,
    message: failing.map((h) => h.message).join('; '),
  };
};
