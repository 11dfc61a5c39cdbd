import type { KubernetesObject } from '@kubernetes/client-node';
import type { Health } from './health.ts';

type ContainerStatus = {
  readonly name?: string;
  readonly image?: string;
  readonly state?: { readonly waiting?: { readonly reason?: string; readonly message?: string } };
};
type PodCondition = {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
};

/** A pod as the API serves it: the fields the operator reads to say why a workload does not run. */
export type Pod = KubernetesObject & {
  readonly spec?: { readonly containers?: readonly { readonly name?: string; readonly image?: string }[] };
  readonly status?: {
    readonly conditions?: readonly PodCondition[];
    readonly initContainerStatuses?: readonly ContainerStatus[];
    readonly containerStatuses?: readonly ContainerStatus[];
  };
};

/**
 * Waiting reasons of the kubelet that do not resolve by waiting: the image cannot be pulled, the
 * container keeps crashing, or its configuration (a Secret or ConfigMap key) is missing.
 */
export const STUCK_REASONS: ReadonlySet<string> = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

const MAX_DETAIL = 300;
const detail = (message: string | undefined): string =>
  message === undefined || message === ''
    ? ''
    : `: ${message.length > MAX_DETAIL ? `${message.slice(0, MAX_DETAIL - 3)}...` : message}`;

/** Why a pod cannot run (a stuck container or no node for it); undefined when nothing says it is stuck. */
export const podTrouble = (pod: Pod): Health | undefined => {
  const name = pod.metadata?.name ?? '';
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const stuck = statuses.find((s) => STUCK_REASONS.has(s.state?.waiting?.reason ?? ''));
  if (stuck !== undefined) {
    const waiting = stuck.state!.waiting!;
    const image = pod.spec?.containers?.find((c) => c.name === stuck.name)?.image ?? stuck.image ?? '?';
    return {
      ready: false,
      reason: waiting.reason!,
      message: `pod ${name}, container ${stuck.name ?? '?'}, image ${image}: ${waiting.reason!}${detail(waiting.message)}`,
    };
  }
  const unschedulable = pod.status?.conditions?.find(
    (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
  );
  if (unschedulable !== undefined)
    return {
      ready: false,
      reason: 'Unschedulable',
      message: `pod ${name} cannot be scheduled${detail(unschedulable.message)}`,
    };
  return undefined;
};

/** The first stuck pod by name (so equal pods give an equal answer), and how many more are stuck. */
export const troubleOf = (pods: readonly Pod[]): Health | undefined => {
  const troubles = [...pods]
    .filter((p) => p.metadata?.deletionTimestamp === undefined)
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
    .flatMap((p) => podTrouble(p) ?? []);
  const first = troubles[0];
  if (first === undefined) return undefined;
  const more = troubles.length - 1;
  return more === 0 ? first : { ...first, message: `${first.message} (and ${more} more pods)` };
};

type Selecting = KubernetesObject & { spec?: Record<string, unknown> };

/** Whether a pod carries every label of the workload's selector (`spec.selector.matchLabels`). */
export const selectedBy =
  (workload: Selecting) =>
  (pod: Pod): boolean => {
    const selector = (workload.spec?.['selector'] as { matchLabels?: Record<string, string> } | undefined)
      ?.matchLabels;
    if (selector === undefined || Object.keys(selector).length === 0) return false;
    const labels = pod.metadata?.labels ?? {};
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
  };
