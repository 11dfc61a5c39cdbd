import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { CryptoStream } from '../../../src/api/v1alpha1/cryptostream.ts';
import { makeKube } from '../../../src/shell/operator/kube.ts';
import { elect, LEASE_TIMING } from '../../../src/shell/operator/leader.ts';
import { CRYPTOSTREAM, resourceOf } from '../../../src/shell/operator/resources.ts';
import {
  aStream,
  cluster,
  deleteNamespace,
  eventually,
  freshNamespace,
  installCrd,
  runOperator,
} from './cluster.ts';

const { kc, kube, services } = cluster();
const root = join(import.meta.dirname, '..', '..', '..');
const chart = join(root, 'charts', 'cryptostream');
const helm = (...args: string[]): string =>
  execFileSync(services.kube.helm, [...args, '--kubeconfig', services.kube.kubeconfig], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const docs = (yaml: string) =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS() as KubernetesObject & Record<string, unknown>)
    .filter((d) => d !== null);

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

/** A client that authenticates as a ServiceAccount, with a token from the TokenRequest API. */
const asServiceAccount = async (namespace: string, name: string): Promise<KubeConfig> => {
  const res = await kube.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const token = (res.body as { status: { token: string } }).status.token;
  const admin = kc.getCurrentCluster()!;
  const sa = new KubeConfig();
  sa.loadFromOptions({
    clusters: [{ ...admin, name: 'test' }],
    users: [{ name: name, token }],
    contexts: [{ name: 'sa', cluster: 'test', user: name }],
    currentContext: 'sa',
  });
  return sa;
};

describe('the Helm chart', () => {
  const release = `cryptostream-${randomUUID().slice(0, 6)}`;
  let ns = '';
  before(async () => {
    await installCrd(kube);
    ns = await freshNamespace(kube, 'chart');
  });
  after(async () => {
    try {
      helm('uninstall', release, '-n', ns);
    } finally {
      await deleteNamespace(kube, ns);
    }
  });

  it('passes helm lint', () => {
    assert.match(helm('lint', chart), /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('refuses values its schema forbids', () => {
    assert.throws(
      () => helm('template', 'x', chart, '--set', 'leaderElection=false', '--set', 'replicaCount=2'),
      /replicaCount/,
    );
    assert.throws(() => helm('template', 'x', chart, '--set', 'logLevel=loud'), /logLevel/);
  });

  it('grants no wildcard and has a helm test', () => {
    const rendered = docs(helm('template', release, chart, '-n', ns));
    const rules = rendered
      .filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role')
      .flatMap((d) => d['rules'] as Rule[]);
    for (const r of rules)
      for (const v of [...r.apiGroups, ...r.resources, ...r.verbs]) assert.notEqual(v, '*');
    assert.ok(rendered.some((d) => d.kind === 'Pod' && d.metadata?.annotations?.['helm.sh/hook'] === 'test'));
  });

  it('with watchNamespace grants a Role in that namespace only, finalizers included (checked by the API server)', async () => {
    const watched = await freshNamespace(kube, 'chart-watched');
    const other = await freshNamespace(kube, 'chart-other');
    const scoped = `${release}-scoped`;
    try {
      const rendered = docs(helm('template', scoped, chart, '-n', ns, '--set', `watchNamespace=${watched}`));
      assert.deepEqual(
        rendered.filter((d) => d.kind === 'ClusterRole' || d.kind === 'ClusterRoleBinding'),
        [],
        'no cluster-wide grant',
      );
      helm('install', scoped, chart, '-n', ns, '--set', `watchNamespace=${watched}`);
      const sa = makeKube(await asServiceAccount(ns, scoped));
      const can = async (namespace: string, verb: string, resource: string, subresource = '', group = '') => {
        const res = await sa.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { namespace, verb, group, resource, subresource } },
        });
        return (res.body as { status: { allowed: boolean } }).status.allowed;
      };
      assert.equal(await can(watched, 'get', 'secrets'), true, 'Secrets of the watched namespace');
      assert.equal(await can(other, 'get', 'secrets'), false, 'no Secret elsewhere');
      assert.equal(await can(other, 'list', 'cryptostreams', '', 'cryptostream.io'), false);
      assert.equal(await can(watched, 'update', 'cryptostreams', 'finalizers', 'cryptostream.io'), true);
    } finally {
      helm('uninstall', scoped, '-n', ns);
      await deleteNamespace(kube, watched);
      await deleteNamespace(kube, other);
    }
  });

  it("runs an image pushed to the user's registry, pulled with the user's Secret, and gives the streams' pods that Secret too", async () => {
    type Pod = {
      imagePullSecrets?: { name: string }[];
      containers: { image: string; env?: { name: string; value?: string }[] }[];
    };
    const render = (...set: string[]) => {
      const flags = set.flatMap((s) => (s.endsWith('=[]') ? ['--set-json', s] : ['--set', s]));
      const rendered = docs(helm('template', release, chart, '-n', ns, ...flags));
      const deployment = rendered.find((d) => d.kind === 'Deployment')!;
      const pod = (deployment['spec'] as { template: { spec: Pod } }).template.spec;
      const env = Object.fromEntries((pod.containers[0]!.env ?? []).map((e) => [e.name, e.value]));
      const test = rendered.find((d) => d.kind === 'Pod')!['spec'] as Pod;
      return { deployment, pod, env, test };
    };
    const shipped = render();
    assert.equal(shipped.pod.imagePullSecrets, undefined);
    assert.equal(shipped.env['CRYPTOSTREAM_IMAGE_PULL_SECRETS'], '');

    const mine = render(
      'image.repository=registry.example.com/cryptostream',
      'imagePullSecrets[0].name=regcred',
    );
    assert.equal(mine.pod.containers[0]!.image, 'registry.example.com/cryptostream:0.1.0');
    assert.equal(
      mine.env['CRYPTOSTREAM_IMAGE'],
      'registry.example.com/cryptostream:0.1.0',
      'the workers too',
    );
    assert.deepEqual(mine.pod.imagePullSecrets, [{ name: 'regcred' }]);
    assert.deepEqual(
      mine.test.imagePullSecrets,
      [{ name: 'regcred' }],
      'the helm test pod runs the image too',
    );
    assert.equal(mine.test.containers[0]!.image, 'registry.example.com/cryptostream:0.1.0');
    assert.equal(
      mine.env['CRYPTOSTREAM_IMAGE_PULL_SECRETS'],
      'regcred',
      "the streams' pods get the same name",
    );
    // the API server takes the Deployment as rendered
    await kube.apply(mine.deployment as KubernetesObject & Record<string, unknown>, { dryRun: true });

    const tagged = render('image.repository=registry.example.com/cryptostream', 'image.tag=1.2.3');
    assert.equal(tagged.env['CRYPTOSTREAM_IMAGE'], 'registry.example.com/cryptostream:1.2.3');
    const others = render(
      'imagePullSecrets[0].name=regcred',
      'streamDefaults.imagePullSecrets[0].name=a',
      'streamDefaults.imagePullSecrets[1].name=b',
    );
    assert.equal(others.env['CRYPTOSTREAM_IMAGE_PULL_SECRETS'], 'a,b');
    assert.equal(
      render('imagePullSecrets[0].name=regcred', 'streamDefaults.imagePullSecrets=[]').env[
        'CRYPTOSTREAM_IMAGE_PULL_SECRETS'
      ],
      '',
      '[]: none for the streams',
    );
    assert.throws(() => render('imagePullSecrets[0]=regcred'), /imagePullSecrets/, 'a list of {name}');
  });

  it('renders manifests/install.yaml exactly (npm run gen:manifests)', () => {
    const out = execFileSync('bash', [join(root, 'scripts', 'gen-manifests.sh'), '--stdout'], {
      encoding: 'utf8',
      env: { ...process.env, HELM: services.kube.helm },
    });
    assert.equal(out, readFileSync(join(root, 'manifests', 'install.yaml'), 'utf8'));
    assert.doesNotMatch(
      out,
      /managed-by: Helm|helm\.sh\//,
      'applied with kubectl, the objects are not Helm-managed',
    );
  });

  it('installs into the API server', () => {
    assert.match(helm('install', release, chart, '-n', ns), /STATUS: deployed/);
  });

  it('grants the operator exactly what it needs: it reconciles a stream and leads under its own ServiceAccount', async () => {
    const sa = await asServiceAccount(ns, release);
    const election = elect({
      kube: makeKube(sa),
      namespace: ns,
      name: 'cryptostream-operator',
      identity: 'chart-test',
      ...LEASE_TIMING,
      onError: (e) => assert.fail(String(e)),
    });
    await election.acquired;
    await election.release();

    const streams = await freshNamespace(kube, 'chart-streams');
    const op = runOperator(sa, streams);
    try {
      // every cache it needs lists and watches under the ServiceAccount (the pods' too)
      await eventually(() => op.controller.synced(), 'the operator synced its caches');
      await kube.apply(aStream(streams, 'rbac', { symbols: ['BTCUSDC'], intervals: ['1m', '1h'] }));
      const status = await eventually(async () => {
        const cr = await kube.get<CryptoStream>(CRYPTOSTREAM, streams, 'rbac');
        return cr?.status?.observedGeneration === 1 ? cr.status : undefined;
      }, 'the operator wrote a status');
      const failures = (status.conditions ?? []).filter(
        (c) => c.reason === 'ApplyFailed' || /forbidden/i.test(c.message),
      );
      assert.deepEqual(failures, []);
      // pruning needs delete: drop an interval and its workers and topics go
      await kube.apply(aStream(streams, 'rbac', { symbols: ['BTCUSDC'], intervals: ['1m'] }));
      await eventually(
        async () =>
          (await kube.get(resourceOf('apps/v1', 'Deployment'), streams, 'rbac-consumer-1h')) === undefined,
        'the 1h consumer is pruned',
      );
      await op.controller.queue.idle();
      assert.equal(
        (await op.metrics.reconciles.get()).values.find((v) => v.labels['result'] === 'error')?.value ?? 0,
        0,
      );
    } finally {
      await op.controller.stop();
      await deleteNamespace(kube, streams);
    }
  });
});
