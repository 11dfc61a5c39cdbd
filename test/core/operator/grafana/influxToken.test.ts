import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindAndName } from '../../../../src/core/operator/child.ts';
import type { Child } from '../../../../src/core/operator/child.ts';
import { desiredState } from '../../../../src/core/operator/desiredState.ts';
import { INFLUX_TOKEN_ANNOTATION } from '../../../../src/core/operator/grafana/influxToken.ts';
import { credentialsFrom } from '../../../../src/core/operator/influxdb/credentials.ts';
import { aCryptoStream, inputs } from '../aCryptoStream.ts';

type Env = { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type PodTemplate = {
  metadata: { annotations?: Record<string, string> };
  spec: { containers: { env?: Env[] }[]; initContainers?: { env?: Env[] }[] };
};

const stored = { id: '0a1b2c3d4e5f6789', token: 'read-only-token' };
const withToken = { ...inputs, credentials: { ...inputs.credentials, grafanaInfluxToken: stored } };
const find = (children: Child[], id: string): Child & Record<string, unknown> => {
  const found = children.find((c) => kindAndName(c) === id);
  assert.ok(found, `${id} is desired`);
  return found as Child & Record<string, unknown>;
};
const grafanaPod = (children: Child[]): PodTemplate =>
  (find(children, 'Deployment/demo-grafana')['spec'] as { template: PodTemplate }).template;
const secretData = (children: Child[]) =>
  find(children, 'Secret/demo-credentials')['data'] as Record<string, string>;

describe("Grafana's InfluxDB token in the desired state", () => {
  it('reaches Grafana from the Secret key of the read-only token, never the admin token', () => {
    for (const i of [inputs, withToken]) {
      const pod = grafanaPod(desiredState(aCryptoStream(), i));
      const env = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].flatMap((c) => c.env ?? []);
      assert.deepEqual(env.find((e) => e.name === 'INFLUX_TOKEN')?.valueFrom, {
        secretKeyRef: { name: 'demo-credentials', key: 'grafana-influxdb-token' },
      });
      assert.deepEqual(
        env.filter((e) => e.valueFrom?.secretKeyRef?.key === 'influxdb-token'),
        [],
        'no variable of the pod holds the admin token',
      );
    }
  });

  it('is stored with its authorization ID in the credentials Secret once InfluxDB made it', () => {
    const before = secretData(desiredState(aCryptoStream(), inputs));
    assert.equal(before['grafana-influxdb-token'], undefined);
    assert.equal(before['grafana-influxdb-token-id'], undefined);
    const after = secretData(desiredState(aCryptoStream(), withToken));
    assert.equal(atob(after['grafana-influxdb-token']!), stored.token);
    assert.equal(atob(after['grafana-influxdb-token-id']!), stored.id);
    assert.deepEqual(credentialsFrom(after), withToken.credentials, 'and read back from it');
    assert.deepEqual(credentialsFrom(before), inputs.credentials);
  });

  it("rolls Grafana onto a new token: the authorization's ID is on its pod template", () => {
    const annotationOf = (i: typeof inputs) =>
      grafanaPod(desiredState(aCryptoStream(), i)).metadata.annotations?.[INFLUX_TOKEN_ANNOTATION];
    assert.equal(annotationOf(inputs), undefined);
    assert.equal(annotationOf(withToken), stored.id);
    const other = {
      ...inputs,
      credentials: { ...inputs.credentials, grafanaInfluxToken: { id: 'f0', token: 'x' } },
    };
    assert.equal(annotationOf(other), 'f0');
    assert.ok(
      grafanaPod(desiredState(aCryptoStream(), withToken)).metadata.annotations?.[
        'cryptostream.io/config-hash'
      ],
      'next to the configuration hash',
    );
  });

  it('gives the consumers the admin token still (they write)', () => {
    const consumer = find(desiredState(aCryptoStream(), withToken), 'Deployment/demo-consumer-1m');
    const env = (consumer['spec'] as { template: PodTemplate }).template.spec.containers[0]!.env!;
    assert.equal(
      env.find((e) => e.name === 'CRYPTOSTREAM_INFLUX_TOKEN')?.valueFrom?.secretKeyRef?.key,
      'influxdb-token',
    );
  });
});
