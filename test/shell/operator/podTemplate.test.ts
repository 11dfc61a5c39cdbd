import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CryptoStream } from '../../../src/api/v1alpha1/cryptostream.ts';
import { defaulted } from '../../../src/api/v1alpha1/defaults.ts';
import { kindAndName } from '../../../src/core/operator/child.ts';
import { desiredState } from '../../../src/core/operator/desiredState.ts';
import { credentialsFrom } from '../../../src/core/operator/influxdb/credentials.ts';
import { holds } from '../../../src/core/operator/plan.ts';
import { CRYPTOSTREAM, POD, resourceOf } from '../../../src/shell/operator/resources.ts';
import { aStream, cluster, eventually, IMAGE, operatorInFreshNamespace } from './cluster.ts';

type Obj = KubernetesObject & Record<string, unknown>;
type PodSpec = Record<string, unknown> & { priority?: number };

const { kube } = cluster();
/** What the operator is installed with (the chart's imagePullSecrets). */
const OPERATOR_SECRETS = ['operator-regcred'];
const priorityClass = `cryptostream-test-${randomUUID().slice(0, 8)}`;

const get = (apiVersion: string, kind: string, namespace: string, name: string) =>
  kube.get<Obj>(resourceOf(apiVersion, kind), namespace, name);
const podSpecOf = (workload: Obj | undefined): PodSpec =>
  (workload?.['spec'] as { template: { spec: PodSpec } }).template.spec;

/**
 * Waits until the cluster holds every child of the stream exactly as the operator wants it (with the fields
 * the API server accepted and kept: nothing it would apply again), and returns them.
 */
const converged = async (namespace: string, name: string): Promise<Obj[]> =>
  eventually(async () => {
    const cr = await kube.get<CryptoStream>(CRYPTOSTREAM, namespace, name);
    const secret = await get('v1', 'Secret', namespace, `${name}-credentials`);
    const credentials = credentialsFrom((secret?.['data'] ?? {}) as Record<string, string>);
    if (cr === undefined || credentials === undefined) return undefined;
    const desired = desiredState(defaulted(cr), {
      image: IMAGE,
      credentials,
      imagePullSecrets: OPERATOR_SECRETS,
    });
    const live = await Promise.all(desired.map((d) => get(d.apiVersion, d.kind, namespace, d.metadata.name)));
    return desired.every((d, i) => holds(live[i], d)) ? (live as Obj[]) : undefined;
  }, `${name} has every child as desired`);

const template = {
  imagePullSecrets: [{ name: 'regcred' }],
  nodeSelector: { 'node.example.com/pool': 'markets' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'markets', effect: 'NoSchedule' }],
  affinity: {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 50,
          podAffinityTerm: {
            topologyKey: 'kubernetes.io/hostname',
            labelSelector: { matchLabels: { 'cryptostream.io/stream': 'placed' } },
          },
        },
      ],
    },
  },
  priorityClassName: priorityClass,
};

describe('pod templates and storage classes on a real API server (with Strimzi’s CRDs)', () => {
  before(async () => {
    const created = await kube.request('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: priorityClass },
      value: 1000,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  const f = operatorInFreshNamespace('pod-template', OPERATOR_SECRETS);
  after(async () => {
    await kube.request('DELETE', `/apis/scheduling.k8s.io/v1/priorityclasses/${priorityClass}`);
  });

  it('applies a stream with a pod template and storage classes; every child is accepted with the fields on it', async () => {
    await kube.apply(
      aStream(f.ns, 'placed', {
        symbols: ['BTCUSDC'],
        intervals: ['1m'],
        template,
        influxdb: { storageClassName: 'fast-ssd' },
        kafka: { storageClassName: 'kafka-ssd' },
      }),
    );
    const children = await converged(f.ns, 'placed');
    const workloads = children.filter((c) => c.kind === 'Deployment' || c.kind === 'StatefulSet');
    assert.deepEqual(workloads.map(kindAndName).sort(), [
      'Deployment/placed-consumer-1m',
      'Deployment/placed-grafana',
      'Deployment/placed-producer',
      'StatefulSet/placed-influxdb',
    ]);
    for (const w of workloads) {
      const spec = podSpecOf(w);
      for (const [field, value] of Object.entries(template))
        assert.deepEqual(spec[field], value, `${kindAndName(w)} ${field}`);
    }
    const influxdb = children.find((c) => c.kind === 'StatefulSet')!;
    assert.equal(
      (influxdb['spec'] as { volumeClaimTemplates: { spec: { storageClassName?: string } }[] })
        .volumeClaimTemplates[0]?.spec.storageClassName,
      'fast-ssd',
    );

    // Strimzi's CRDs took the pod templates (fieldValidation=Strict: a field they do not have would fail).
    const kafka = (await get('kafka.strimzi.io/v1', 'Kafka', f.ns, 'placed'))!['spec'] as {
      kafka: { template: { pod: Record<string, unknown> } };
      entityOperator: { template: { pod: Record<string, unknown> } };
    };
    for (const pod of [kafka.kafka.template.pod, kafka.entityOperator.template.pod]) {
      assert.deepEqual(pod['imagePullSecrets'], template.imagePullSecrets);
      assert.deepEqual(pod['tolerations'], template.tolerations);
      assert.equal(pod['priorityClassName'], priorityClass);
      assert.deepEqual(pod['affinity'], {
        ...template.affinity,
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'node.example.com/pool', operator: 'In', values: ['markets'] }] },
            ],
          },
        },
      });
    }
    const pool = (await get('kafka.strimzi.io/v1', 'KafkaNodePool', f.ns, 'placed-pool'))!['spec'] as {
      storage: { volumes: { class?: string }[] };
    };
    assert.equal(pool.storage.volumes[0]?.class, 'kafka-ssd');

    // The controller manager creates the producer's pod from it: admitted with the priority of the class.
    const pod = await eventually(async () => {
      const pods = await kube.list<Obj>(
        POD,
        f.ns,
        'cryptostream.io/stream=placed,app.kubernetes.io/component=producer',
      );
      return pods.items[0];
    }, 'the producer pod is created');
    const spec = pod['spec'] as PodSpec;
    assert.deepEqual(spec['imagePullSecrets'], template.imagePullSecrets);
    assert.deepEqual(spec['nodeSelector'], template.nodeSelector);
    assert.equal(spec.priority, 1000);
  });

  it("gives the operator's image pull secrets to the workers, InfluxDB and Grafana of a stream without a template, not to Strimzi's pods", async () => {
    await kube.apply(aStream(f.ns, 'plain', { symbols: ['BTCUSDC'], intervals: ['1m'] }));
    const children = await converged(f.ns, 'plain');
    for (const w of children.filter((c) => c.kind === 'Deployment' || c.kind === 'StatefulSet')) {
      const spec = podSpecOf(w);
      assert.deepEqual(spec['imagePullSecrets'], [{ name: 'operator-regcred' }], kindAndName(w));
      assert.equal(spec['nodeSelector'], undefined, kindAndName(w));
    }
    const kafka = (await get('kafka.strimzi.io/v1', 'Kafka', f.ns, 'plain'))!['spec'] as {
      kafka: { template: Record<string, unknown> };
    };
    assert.equal(kafka.kafka.template['pod'], undefined);
  });

  it('follows a changed template into the pod templates', async () => {
    await kube.apply(
      aStream(f.ns, 'placed', {
        symbols: ['BTCUSDC'],
        intervals: ['1m'],
        template: { ...template, tolerations: [{ operator: 'Exists' }] },
        influxdb: { storageClassName: 'fast-ssd' },
        kafka: { storageClassName: 'kafka-ssd' },
      }),
    );
    const children = await converged(f.ns, 'placed');
    const producer = children.find((c) => kindAndName(c) === 'Deployment/placed-producer');
    assert.deepEqual(podSpecOf(producer)['tolerations'], [{ operator: 'Exists' }]);
  });
});
