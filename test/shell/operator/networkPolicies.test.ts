import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { resourceOf } from '../../../src/shell/operator/resources.ts';
import { aStream, cluster, eventually, operatorInFreshNamespace, restartOperator } from './cluster.ts';

/*
 * The stream's NetworkPolicies as the API server stores them. This server runs no network plugin, and the
 * one-node cluster's bridge CNI enforces none: what the policies let through is tested on their semantics
 * in test/core/operator/network/, not on packets.
 */

type Policy = KubernetesObject & { spec: Record<string, unknown> };
const { kc, kube } = cluster();
const NETWORK_POLICY = resourceOf('networking.k8s.io/v1', 'NetworkPolicy');
const policiesOf = async (namespace: string, stream?: string): Promise<Policy[]> =>
  (
    await kube.list<Policy>(
      NETWORK_POLICY,
      namespace,
      stream === undefined ? undefined : `cryptostream.io/stream=${stream}`,
    )
  ).items;
const namesOf = (policies: Policy[]) => policies.map((p) => p.metadata?.name ?? '').sort();
const tcp = (port: number) => ({ protocol: 'TCP', port });

const EXPECTED = [
  'guarded-consumers',
  'guarded-default-deny',
  'guarded-dns',
  'guarded-grafana',
  'guarded-influxdb',
  'guarded-producers',
];

describe("a stream's NetworkPolicies on a real API server", () => {
  const f = operatorInFreshNamespace('netpol');
  const stream = (networkPolicies?: { enabled: boolean }) =>
    aStream(f.ns, 'guarded', {
      symbols: ['BTCUSDC'],
      binance: { baseUrl: 'http://binance-replay.markets.svc:8080' },
      ...(networkPolicies === undefined ? {} : { networkPolicies }),
    });
  const hasPolicies = (names: string[]) =>
    eventually(
      async () => {
        const policies = await policiesOf(f.ns, 'guarded');
        return JSON.stringify(namesOf(policies)) === JSON.stringify(names) ? policies : undefined;
      },
      `the stream's NetworkPolicies are ${names.join(', ') || 'none'}`,
    );

  it('gets a default deny and exactly the policies that open what the pipeline needs', async () => {
    // Another application's policy in the namespace, which the operator must leave alone.
    await kube.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'payments-deny', namespace: f.ns },
      spec: { podSelector: { matchLabels: { app: 'payments' } }, policyTypes: ['Ingress'] },
    });
    await kube.apply(stream());
    const policies = await hasPolicies(EXPECTED);
    const specOf = (name: string) => policies.find((p) => p.metadata?.name === name)!.spec;
    assert.deepEqual(specOf('guarded-default-deny'), {
      podSelector: {
        matchLabels: { 'cryptostream.io/stream': 'guarded' },
        matchExpressions: [
          {
            key: 'app.kubernetes.io/component',
            operator: 'In',
            values: ['producer', 'consumer', 'influxdb', 'grafana'],
          },
        ],
      },
      policyTypes: ['Ingress', 'Egress'],
    });
    assert.deepEqual(specOf('guarded-producers')['egress'], [
      { ports: [tcp(8080)] },
      {
        to: [
          {
            podSelector: {
              matchLabels: {
                'strimzi.io/cluster': 'guarded',
                'strimzi.io/kind': 'Kafka',
                'strimzi.io/broker-role': 'true',
              },
            },
          },
        ],
        ports: [tcp(9092)],
      },
      {
        to: [
          {
            podSelector: {
              matchLabels: { 'app.kubernetes.io/component': 'influxdb', 'cryptostream.io/stream': 'guarded' },
            },
          },
        ],
        ports: [tcp(8086)],
      },
    ]);
    assert.deepEqual(specOf('guarded-dns')['egress'], [
      {
        ports: [
          { protocol: 'UDP', port: 53 },
          tcp(53),
          { protocol: 'UDP', port: 'dns' },
          { protocol: 'TCP', port: 'dns-tcp' },
        ],
      },
    ]);
    for (const p of policies)
      assert.equal(p.metadata?.ownerReferences?.[0]?.kind, 'CryptoStream', p.metadata?.name);
  });

  it('holds them as the server stores them: a restarted operator writes nothing', async () => {
    await eventually(async () => {
      const s = await kube.get<KubernetesObject & { status?: { observedGeneration?: number } }>(
        resourceOf('cryptostream.io/v1alpha1', 'CryptoStream'),
        f.ns,
        'guarded',
      );
      return s?.status?.observedGeneration === s?.metadata?.generation;
    }, 'the stream is observed');
    await restartOperator(kc, f);
    // Status writes follow the controller manager's Deployment status; no policy is applied again.
    const applied = (await f.op.metrics.writes.get()).values.filter(
      (v) => v.labels['kind'] === 'NetworkPolicy' && v.value > 0,
    );
    assert.deepEqual(applied, []);
  });

  it('prunes every one of them with networkPolicies.enabled false, and brings them back with true', async () => {
    await kube.apply(stream({ enabled: false }));
    await hasPolicies([]);
    assert.ok(
      await kube.get(resourceOf('apps/v1', 'Deployment'), f.ns, 'guarded-producer'),
      'the rest of the stream stays',
    );
    assert.deepEqual(
      namesOf(await policiesOf(f.ns)),
      ['payments-deny'],
      "another application's policy stays",
    );
    await kube.apply(stream({ enabled: true }));
    await hasPolicies(EXPECTED);
  });
});
