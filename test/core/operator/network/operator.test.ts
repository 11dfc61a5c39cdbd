import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredState } from '../../../../src/core/operator/desiredState.ts';
import { aCryptoStream, inputs } from '../aCryptoStream.ts';

const policiesOf = (spec: Record<string, unknown>, operatorNamespace?: string) =>
  desiredState(aCryptoStream(spec), {
    ...inputs,
    ...(operatorNamespace === undefined ? {} : { operatorNamespace }),
  }).filter((c) => c.kind === 'NetworkPolicy' && c.metadata.name === 'demo-influxdb-operator');

describe("the operator's way to InfluxDB", () => {
  it("admits the operator's pods, in the namespace it runs in, to InfluxDB's API and nothing else", () => {
    const [policy, ...more] = policiesOf({}, 'cryptostream-system');
    assert.ok(policy, 'desired when the operator runs in the cluster');
    assert.deepEqual(more, []);
    assert.deepEqual(policy['spec'], {
      podSelector: {
        matchLabels: { 'app.kubernetes.io/component': 'influxdb', 'cryptostream.io/stream': 'demo' },
      },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cryptostream-system' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cryptostream-operator' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: 8086 }],
        },
      ],
    });
  });

  it('is not there outside the cluster, without Grafana, or without NetworkPolicies', () => {
    assert.deepEqual(policiesOf({}), []);
    assert.deepEqual(policiesOf({ grafana: { enabled: false } }, 'cryptostream-system'), []);
    assert.deepEqual(policiesOf({ networkPolicies: { enabled: false } }, 'cryptostream-system'), []);
  });
});
