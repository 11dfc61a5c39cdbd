import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { CryptoStream } from '../../api/v1alpha1/cryptostream.ts';
import type { DefaultImages } from '../../core/operator/images.ts';
import type { Logger } from 'pino';
import { MANAGED_BY_LABEL, MANAGER } from '../../core/operator/child.ts';
import { makeRecorder } from './events.ts';
import { startInformer } from './informers.ts';
import type { Informer } from './informers.ts';
import { makeKube } from './kube.ts';
import type { Kube } from './kube.ts';
import type { Metrics } from './metrics.ts';
import { makeQueue } from './queue.ts';
import type { Queue } from './queue.ts';
import { makeGrafanaTokens } from './grafanaToken.ts';
import { makeReconcile, streamKey } from './reconcile.ts';
import { CHILD_RESOURCES, CRYPTOSTREAM, POD } from './resources.ts';
import type { Resource } from './resources.ts';

export type ControllerOptions = {
  readonly kc: KubeConfig;
  readonly kube?: Kube;
  /** Watch one namespace; undefined: all namespaces. */
  readonly namespace?: string;
  readonly image: string;
  /** The InfluxDB and Grafana images of streams that name none (default: DEFAULT_IMAGES). */
  readonly defaultImages?: DefaultImages;
  /** Image pull secrets of the pods of streams whose spec.template names none (default: none). */
  readonly imagePullSecrets?: readonly string[];
  /** The namespace the operator's pods run in; unset outside the cluster (no NetworkPolicy admits it then). */
  readonly operatorNamespace?: string;
  /** Where the operator reaches a stream's InfluxDB API (default: its Service's cluster DNS name). */
  readonly influxdbUrl?: (cr: CryptoStream) => string;
  readonly identity: string;
  readonly concurrency: number;
  /** Re-queue every stream this often, to catch anything a watch missed (converged reconciles write nothing). */
  readonly resyncMs: number;
  readonly log: Logger;
  readonly metrics: Metrics;
};

export type Controller = {
  readonly kube: Kube;
  readonly queue: Queue;
  readonly synced: () => boolean;
  readonly stop: () => Promise<void>;
};

/** Watches CryptoStreams and their children and reconciles each stream through a per-resource queue. */
export const startController = (o: ControllerOptions): Controller => {
  const kube = o.kube ?? makeKube(o.kc);
  kube.onWrite((verb, obj) => o.metrics.writes.inc({ verb, kind: obj.kind ?? '' }));
  // A kind the cluster does not serve (Strimzi's, KEDA's or the Prometheus Operator's CRDs not installed) is said once, then retried quietly.
  const unserved = new Set<string>();
  const onError = (resource: { kind: string }, error: unknown) => {
    const err = error instanceof Error ? error.message : String(error);
    if (!/: 404\b/.test(err)) return o.log.warn({ kind: resource.kind, err }, 'watch failed; retrying');
    if (unserved.has(resource.kind)) return o.log.debug({ kind: resource.kind, err }, 'still not served');
    unserved.add(resource.kind);
    o.log.info(
      { kind: resource.kind, err },
      'not served by this cluster (its CRD is not installed); retrying',
    );
  };
  const queue = makeQueue({
    concurrency: o.concurrency,
    work: async (key) => {
      await settled; // a reconcile on half-filled caches would re-apply children that exist
      const end = o.metrics.duration.startTimer();
      try {
        const outcome = await reconcile(key); // defined below, before any key can be queued
        o.metrics.reconciles.inc({ result: 'success' });
        if (
          outcome !== undefined &&
          (outcome.applied > 0 || outcome.replaced > 0 || outcome.pruned > 0 || outcome.statusWritten)
        )
          o.log.info({ stream: key, ...outcome }, 'reconciled');
      } catch (e) {
        o.metrics.reconciles.inc({ result: 'error' });
        throw e;
      } finally {
        end();
      }
    },
    onError: (key, error, retryInMs) =>
      o.log.warn(
        { stream: key, retryInMs, err: error instanceof Error ? error.message : String(error) },
        'reconcile failed',
      ),
  });
  const enqueue = (obj: KubernetesObject) => {
    const key = streamKey(obj);
    if (key !== undefined) queue.add(key);
  };
  const streams = startInformer(o.kc, kube, CRYPTOSTREAM, {
    ...(o.namespace === undefined ? {} : { namespace: o.namespace }),
    onChange: enqueue,
    onError,
  });
  const managed = (resource: Resource) =>
    startInformer(o.kc, kube, resource, {
      ...(o.namespace === undefined ? {} : { namespace: o.namespace }),
      labelSelector: `${MANAGED_BY_LABEL}=${MANAGER}`,
      onChange: enqueue,
      onError,
    });
  const children: Informer[] = CHILD_RESOURCES.map(managed);
  const pods = managed(POD);
  const record = makeRecorder(
    kube,
    o.identity,
    () => new Date(),
    (e) => o.log.warn({ err: String(e) }, 'could not record an event'),
  );
  const reconcile = makeReconcile({
    kube,
    streams,
    children,
    pods,
    image: o.image,
    ...(o.defaultImages === undefined ? {} : { defaultImages: o.defaultImages }),
    ...(o.imagePullSecrets === undefined ? {} : { imagePullSecrets: o.imagePullSecrets }),
    ...(o.operatorNamespace === undefined ? {} : { operatorNamespace: o.operatorNamespace }),
    grafanaTokens: makeGrafanaTokens({
      kube,
      record,
      ...(o.influxdbUrl === undefined ? {} : { influxdbUrl: o.influxdbUrl }),
    }),
    now: () => new Date(),
    record,
  });
  let check: NodeJS.Timeout | undefined;
  const settled = new Promise<void>((resolve) => {
    check = setInterval(() => {
      if (![streams, pods, ...children].every((i) => i.settled())) return;
      clearInterval(check);
      resolve();
    }, 50);
  });
  const resync = setInterval(() => streams.list().forEach(enqueue), o.resyncMs);
  // Strimzi's, KEDA's and the Prometheus Operator's CRDs may be missing (the Kafka and Consumers conditions
  // then say so; without PodMonitors the streams get none); the caches of the core kinds must be synced.
  const optional = ['kafka.strimzi.io/', 'keda.sh/', 'monitoring.coreos.com/'];
  const required = [
    streams,
    pods,
    ...children.filter((i) => !optional.some((group) => i.resource.apiVersion.startsWith(group))),
  ];
  return {
    kube,
    queue,
    synced: () => required.every((i) => i.synced()),
    stop: async () => {
      clearInterval(resync);
      clearInterval(check);
      queue.stop();
      await Promise.all([streams, pods, ...children].map((i) => i.stop()));
    },
  };
};
