import { ListWatch, Watch } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Kube } from './kube.ts';
import { pathOf } from './resources.ts';
import type { Resource } from './resources.ts';

/** A cache of one kind kept current by list + watch; restarts itself with backoff after an error. */
export type Informer = {
  readonly resource: Resource;
  readonly list: (namespace?: string) => readonly KubernetesObject[];
  readonly get: (name: string, namespace?: string) => KubernetesObject | undefined;
  readonly synced: () => boolean;
  /** Synced, or failed at least once (a kind whose CRD is not installed never syncs). */
  readonly settled: () => boolean;
  /** Listed at least once since it started: the API serves the kind (a later watch error does not unsay it). */
  readonly served: () => boolean;
  readonly stop: () => Promise<void>;
};

export type InformerOptions = {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly onChange: (o: KubernetesObject) => void;
  readonly onError: (resource: Resource, error: unknown) => void;
  readonly retryDelayMs?: (attempt: number) => number;
};

const defaultRetry = (attempt: number): number => Math.min(30_000, 500 * 2 ** attempt);

export const startInformer = (
  kc: KubeConfig,
  kube: Kube,
  resource: Resource,
  opts: InformerOptions,
): Informer => {
  const path = pathOf(resource, opts.namespace);
  // Items of a list response carry no apiVersion and kind; watch events do. Fill them in so cached objects agree.
  const listFn = async () => {
    const list = await kube.list<KubernetesObject>(resource, opts.namespace, opts.labelSelector);
    return {
      ...list,
      items: list.items.map((o) => ({ ...o, apiVersion: resource.apiVersion, kind: resource.kind })),
    };
  };
  const lw = new ListWatch<KubernetesObject>(path, new Watch(kc), listFn, false, opts.labelSelector);
  let synced = false;
  let listedOnce = false;
  let failedOnce = false;
  let stopped = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  const begin = async () => {
    let failed = false;
    const markFailed = () => {
      failed = true;
    };
    lw.on('error', markFailed);
    await lw.start();
    lw.off('error', markFailed);
    if (!failed) {
      synced = true;
      listedOnce = true;
      attempt = 0;
    }
  };
  lw.on('add', opts.onChange);
  lw.on('update', opts.onChange);
  lw.on('delete', opts.onChange);
  lw.on('error', (error: unknown) => {
    synced = false;
    failedOnce = true;
    if (stopped) return;
    opts.onError(resource, error);
    clearTimeout(timer);
    timer = setTimeout(() => void begin(), (opts.retryDelayMs ?? defaultRetry)(attempt++));
  });
  void begin();
  return {
    resource,
    list: (namespace) => lw.list(namespace),
    get: (name, namespace) => lw.get(name, namespace),
    synced: () => synced,
    settled: () => synced || failedOnce,
    served: () => listedOnce,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await lw.stop();
    },
  };
};
