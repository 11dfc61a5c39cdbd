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
