import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions } from '../../../src/shell/operator/options.ts';
import type { OperatorOptions } from '../../../src/shell/operator/options.ts';

const parsed = (argv: string[], env: NodeJS.ProcessEnv = {}): OperatorOptions => {
  const o = parseOptions(argv, env);
  assert.ok(typeof o === 'object' && !('error' in o), JSON.stringify(o));
  return o;
};

describe('the default InfluxDB and Grafana images of the operator', () => {
  it('are the built-in ones unless a flag or the environment (the chart) names others; empty is unset', () => {
    assert.deepEqual(parsed([]).defaultImages, {
      influxdb: 'influxdb:2.7.12',
      grafana: 'grafana/grafana:12.1.1',
    });
    assert.deepEqual(
      parsed([], { CRYPTOSTREAM_INFLUXDB_IMAGE: 'mirror/influxdb:2.7.13', CRYPTOSTREAM_GRAFANA_IMAGE: '' })
        .defaultImages,
      { influxdb: 'mirror/influxdb:2.7.13', grafana: 'grafana/grafana:12.1.1' },
    );
    assert.deepEqual(
      parsed(['--influxdb-image', 'a:1', '--grafana-image', 'b:2'], { CRYPTOSTREAM_INFLUXDB_IMAGE: 'c:3' })
        .defaultImages,
      { influxdb: 'a:1', grafana: 'b:2' },
    );
  });
});

describe('the image pull secrets the operator gives the pods of streams', () => {
  it('are none unless a flag or the environment (the chart) names some, comma-separated; empty is none', () => {
    assert.deepEqual(parsed([]).imagePullSecrets, []);
    assert.deepEqual(parsed([], { CRYPTOSTREAM_IMAGE_PULL_SECRETS: '' }).imagePullSecrets, []);
    assert.deepEqual(
      parsed([], { CRYPTOSTREAM_IMAGE_PULL_SECRETS: 'regcred, mirror-creds' }).imagePullSecrets,
      ['regcred', 'mirror-creds'],
    );
    assert.deepEqual(
      parsed(['--image-pull-secrets', 'a'], { CRYPTOSTREAM_IMAGE_PULL_SECRETS: 'b' }).imagePullSecrets,
      ['a'],
    );
  });
});

describe("the operator's own namespace, which each stream's InfluxDB admits (Grafana's token)", () => {
  it('is $POD_NAMESPACE, which the chart sets; none outside the cluster, whatever --lease-namespace says', () => {
    assert.equal(
      parsed([], { POD_NAMESPACE: 'cryptostream-system' }).operatorNamespace,
      'cryptostream-system',
    );
    assert.equal(parsed([]).operatorNamespace, undefined);
    assert.equal(parsed([], { POD_NAMESPACE: '' }).operatorNamespace, undefined);
    assert.equal(parsed(['--lease-namespace', 'leases']).operatorNamespace, undefined);
  });
});
