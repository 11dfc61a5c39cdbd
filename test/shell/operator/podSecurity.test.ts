import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaulted } from '../../../src/api/v1alpha1/defaults.ts';
import { kindAndName } from '../../../src/core/operator/child.ts';
import type { Child } from '../../../src/core/operator/child.ts';
import { desiredState } from '../../../src/core/operator/desiredState.ts';
import { cluster, deleteNamespace, freshNamespace, IMAGE, readYaml } from './cluster.ts';

const { kube } = cluster();
type PodTemplate = {
  metadata?: { labels?: Record<string, string> };
  spec: { volumes?: unknown[] } & Record<string, unknown>;
};
type Workload = Child & {
  spec: { template: PodTemplate; volumeClaimTemplates?: { metadata: { name: string } }[] };
};

const streamSpec = readYaml('manifests', 'examples', 'usdc-majors.yaml') as { spec: Record<string, unknown> };

/** The pod a workload would run; volume claim templates become claims, as the StatefulSet controller does. */
const podOf = (w: Workload, namespace: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `${w.metadata.name}-probe`, namespace, labels: w.spec.template.metadata?.labels ?? {} },
  spec: {
    ...w.spec.template.spec,
    volumes: [
      ...(w.spec.template.spec.volumes ?? []),
      ...(w.spec.volumeClaimTemplates ?? []).map((t) => ({
        name: t.metadata.name,
        persistentVolumeClaim: { claimName: `${t.metadata.name}-claim` },
      })),
    ],
  },
});

describe('a namespace that enforces Pod Security "restricted"', () => {
  let ns = '';
  const all = (namespace: string) =>
    desiredState(
      defaulted({
        apiVersion: 'cryptostream.io/v1alpha1',
        kind: 'CryptoStream',
        metadata: { name: 'majors', namespace, uid: '00000000-0000-0000-0000-000000000001' },
        spec: streamSpec.spec,
      }),
      { image: IMAGE, credentials: { influxPassword: 'p', influxToken: 't', grafanaPassword: 'g' } },
    );
  const children = (namespace: string) =>
    all(namespace).filter((c): c is Workload => c.kind === 'Deployment' || c.kind === 'StatefulSet');

  before(async () => {
    ns = await freshNamespace(kube, 'restricted', {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    for (const sa of all(ns).filter((c) => c.kind === 'ServiceAccount')) {
      const { ownerReferences: _, ...metadata } = sa.metadata;
      await kube.apply({ ...sa, metadata });
    }
  });
  after(async () => deleteNamespace(kube, ns));

  it('admits a pod of every workload the operator creates', async () => {
    const workloads = children(ns);
    assert.equal(
      workloads.length,
      8,
      'InfluxDB, Grafana, the producer of all 5 intervals and a consumer for each',
    );
    for (const w of workloads) {
      const res = await kube.request('POST', `/api/v1/namespaces/${ns}/pods?dryRun=All`, podOf(w, ns));
      assert.equal(res.status, 201, `${kindAndName(w)}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(res.warnings, [], kindAndName(w));
    }
  });

  it('admits the workers of a stream on an external Kafka, with its CA mounted from a Secret', async () => {
    const external = desiredState(
      defaulted({
        apiVersion: 'cryptostream.io/v1alpha1',
        kind: 'CryptoStream',
        metadata: { name: 'external', namespace: ns, uid: '00000000-0000-0000-0000-000000000002' },
        spec: {
          ...streamSpec.spec,
          kafka: {
            external: {
              bootstrapServers: 'kafka.example.com:9093',
              tls: { caSecret: { name: 'kafka-ca' } },
              sasl: { mechanism: 'scram-sha-512', secret: 'kafka-user' },
            },
          },
        },
      }),
      { image: IMAGE, credentials: { influxPassword: 'p', influxToken: 't', grafanaPassword: 'g' } },
    ).filter(
      (c): c is Workload => c.kind === 'Deployment' && /-(producer|consumer)(-|$)/.test(c.metadata.name),
    );
    assert.equal(external.length, 6, 'the producer and 5 consumers');
    for (const w of external) {
      const pod = podOf(w, ns);
      const res = await kube.request('POST', `/api/v1/namespaces/${ns}/pods?dryRun=All`, {
        ...pod,
        spec: { ...pod.spec, serviceAccountName: 'majors-workers' },
      });
      assert.equal(res.status, 201, `${kindAndName(w)}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(res.warnings, [], kindAndName(w));
    }
  });

  it('raises no Pod Security warning for the workloads themselves', async () => {
    for (const w of children(ns)) {
      const { ownerReferences: _, ...metadata } = w.metadata;
      const res = await kube.request(
        'POST',
        `/apis/apps/v1/namespaces/${ns}/${w.kind === 'StatefulSet' ? 'statefulsets' : 'deployments'}?dryRun=All`,
        { ...w, metadata },
      );
      assert.equal(res.status, 201, `${kindAndName(w)}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(res.warnings, [], kindAndName(w));
    }
  });
});
