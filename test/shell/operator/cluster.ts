import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import type { DefaultImages } from '../../../src/core/operator/images.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { crdYaml } from '../../../src/api/v1alpha1/crdYaml.ts';
import { startController } from '../../../src/shell/operator/controller.ts';
import type { Controller } from '../../../src/shell/operator/controller.ts';
import { makeKube } from '../../../src/shell/operator/kube.ts';
import type { Kube } from '../../../src/shell/operator/kube.ts';
import { makeMetrics } from '../../../src/shell/operator/metrics.ts';
import type { Metrics } from '../../../src/shell/operator/metrics.ts';
import { parse } from 'yaml';
import { until } from '../../support/cluster.ts';
import { services } from '../../support/services.ts';

/** The test API server (`npm run services:up`): a client, and helpers to run the operator against it. */
export const cluster = () => {
  const s = services();
  const kc = new KubeConfig();
  kc.loadFromFile(s.kube.kubeconfig);
  return { services: s, kc, kube: makeKube(kc) };
};

export const IMAGE = 'cryptostream:test';

/** Installs (server-side applies) the generated CryptoStream CRD and waits until it is served. */
export const installCrd = async (kube: Kube): Promise<void> => {
  await kube
    .request(
      'PATCH',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/cryptostreams.cryptostream.io?fieldManager=cryptostream-tests&force=true',
      parse(crdYaml()),
      'application/apply-patch+yaml',
    )
    .then((r) => {
      if (r.status > 299) throw new Error(`CRD not applied: ${JSON.stringify(r.body)}`);
    });
  await eventually(
    async () => (await kube.request('GET', '/apis/cryptostream.io/v1alpha1/cryptostreams')).status === 200,
    'the CRD is served',
  );
  const strimzi = await kube.request('GET', '/apis/kafka.strimzi.io/v1/kafkas');
  if (strimzi.status !== 200)
    throw new Error(
      'the Strimzi CRDs are not loaded in the test API server (npm run services:up loads them)',
    );
};

export const freshNamespace = async (
  kube: Kube,
  prefix: string,
  labels: Record<string, string> = {},
): Promise<string> => {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await kube.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels },
  });
  return name;
};

export const deleteNamespace = async (kube: Kube, name: string): Promise<void> => {
  await kube.request('DELETE', `/api/v1/namespaces/${name}`);
};

/** Polls every 100 ms until `check` returns a truthy value (the deadline only ends a hung test). */
export const eventually = <T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 30_000,
): Promise<T> => until(check, what, timeoutMs, 100);

export type Running = {
  readonly controller: Controller;
  readonly metrics: Metrics;
  readonly writes: () => number;
};

/** Runs the operator in this process for one namespace (with the chart's imagePullSecrets when given). */
export const runOperator = (
  kc: KubeConfig,
  namespace: string,
  defaultImages?: DefaultImages,
  imagePullSecrets?: readonly string[],
): Running => {
  const metrics = makeMetrics();
  const kube = makeKube(kc);
  let writes = 0;
  kube.onWrite(() => void writes++);
  const controller = startController({
    kc,
    kube,
    namespace,
    image: IMAGE,
    ...(defaultImages === undefined ? {} : { defaultImages }),
    ...(imagePullSecrets === undefined ? {} : { imagePullSecrets }),
    identity: 'test',
    concurrency: 4,
    resyncMs: 3_600_000,
    log: pino({ level: 'silent' }),
    metrics,
  });
  return { controller, metrics, writes: () => writes };
};

/**
 * The set-up of a describe block: the CRD installed and a fresh namespace, with the operator `start` runs for
 * it when given (else a test runs it), ready when the block's tests start; the operator a test left in `op`
 * stopped and the namespace deleted after them.
 */
export const freshStreamNamespace = (
  prefix: string,
  start?: (ns: string) => Running,
): { ns: string; op?: Running } => {
  const { kube } = cluster();
  const fixture: { ns: string; op?: Running } = { ns: '' };
  before(async () => {
    await installCrd(kube);
    fixture.ns = await freshNamespace(kube, prefix);
    if (start !== undefined) fixture.op = start(fixture.ns);
  });
  after(async () => {
    await fixture.op?.controller.stop();
    await deleteNamespace(kube, fixture.ns);
  });
  return fixture;
};

/**
 * The set-up of a describe block: the CRD installed, a fresh namespace and the operator running for it (with
 * the chart's imagePullSecrets when given), ready when the block's tests start; the operator (`op`, which a
 * test may replace) stopped and the namespace deleted after them.
 */
export const operatorInFreshNamespace = (
  prefix: string,
  imagePullSecrets?: readonly string[],
): { ns: string; op: Running } => {
  const { kc } = cluster();
  return freshStreamNamespace(prefix, (ns) => runOperator(kc, ns, undefined, imagePullSecrets)) as {
    ns: string;
    op: Running;
  };
};

/**
 * Stops the fixture's operator once its queue is idle and runs a new one in its place (`op`), then waits until
 * the new one has synced its caches, reconciled and gone idle: what a restart after convergence does next.
 */
export const restartOperator = async (
  kc: KubeConfig,
  fixture: { ns: string; op?: Running },
): Promise<void> => {
  await fixture.op!.controller.queue.idle();
  await fixture.op!.controller.stop();
  const op = runOperator(kc, fixture.ns);
  fixture.op = op;
  await eventually(() => op.controller.synced(), 'the restarted operator has synced its caches');
  await eventually(
    async () => (await op.metrics.reconciles.get()).values.some((v) => v.value > 0),
    'the restarted operator reconciled',
  );
  await op.controller.queue.idle();
};

export const aStream = (
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): KubernetesObject & { spec: Record<string, unknown> } => ({
  apiVersion: 'cryptostream.io/v1alpha1',
  kind: 'CryptoStream',
  metadata: { name, namespace },
  spec,
});

export const readYaml = (...path: string[]): unknown =>
  parse(readFileSync(join(import.meta.dirname, '..', '..', '..', ...path), 'utf8'));
