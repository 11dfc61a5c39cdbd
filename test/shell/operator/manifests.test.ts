import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { cluster, deleteNamespace, freshNamespace, installCrd } from './cluster.ts';

const { kube } = cluster();
const manifests = join(import.meta.dirname, '..', '..', '..', 'manifests');
const docsOf = (file: string) =>
  parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((d): d is KubernetesObject => d !== null);

/** Server-side apply with dryRun=All: the API server validates, admits and defaults, and stores nothing. */
const dryRun = async (o: KubernetesObject, namespace?: string) => {
  const res = await kube.request(
    'PATCH',
    `${pathFor(o, namespace)}?dryRun=All&fieldManager=cryptostream-tests&fieldValidation=Strict&force=true`,
    namespace === undefined ? o : { ...o, metadata: { ...o.metadata, namespace } },
    'application/apply-patch+yaml',
  );
  assert.ok(
    res.status >= 200 && res.status < 300,
    `${o.kind}/${o.metadata?.name}: ${JSON.stringify(res.body)}`,
  );
};

const plurals: Record<string, [string, boolean]> = {
  Namespace: ['namespaces', false],
  CustomResourceDefinition: ['customresourcedefinitions', false],
  ClusterRole: ['clusterroles', false],
  ClusterRoleBinding: ['clusterrolebindings', false],
  Role: ['roles', true],
  RoleBinding: ['rolebindings', true],
  ServiceAccount: ['serviceaccounts', true],
  Service: ['services', true],
  Deployment: ['deployments', true],
  CryptoStream: ['cryptostreams', true],
};
const pathFor = (o: KubernetesObject, namespace?: string): string => {
  const [plural, namespaced] = plurals[o.kind ?? ''] ?? assert.fail(`no path for ${o.kind}`);
  const api = (o.apiVersion ?? '').includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const ns = namespaced ? `/namespaces/${namespace ?? o.metadata?.namespace}` : '';
  return `${api}${ns}/${plural}/${o.metadata?.name}`;
};

describe('the files in manifests/', () => {
  let ns = '';
  before(async () => {
    await installCrd(kube);
    ns = await freshNamespace(kube, 'manifests');
  });
  after(async () => deleteNamespace(kube, ns));

  it('install.yaml passes a server-side dry run, object by object', async () => {
    const objects = docsOf(join(manifests, 'install.yaml'));
    const namespace = objects.find((o) => o.kind === 'Namespace')!;
    // dry-run objects need their namespace to exist; it is created for real (and kept: other runs reuse it)
    await kube.request(
      'PATCH',
      `${pathFor(namespace)}?fieldManager=cryptostream-tests&force=true`,
      namespace,
      'application/apply-patch+yaml',
    );
    for (const o of objects) await dryRun(o);
  });

  for (const file of readdirSync(join(manifests, 'examples')))
    it(`examples/${file} passes a server-side dry run`, async () => {
      const objects = docsOf(join(manifests, 'examples', file));
      assert.ok(objects.length > 0);
      for (const o of objects) await dryRun(o, ns);
    });
});
