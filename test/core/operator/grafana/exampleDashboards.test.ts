import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { dashboardFiles } from '../../../../src/core/operator/grafana/exampleDashboards.ts';

const root = join(import.meta.dirname, '..', '..', '..', '..');

describe('grafana/dashboards', () => {
  const example = parse(
    readFileSync(join(root, 'manifests', 'examples', 'usdc-majors.yaml'), 'utf8'),
  ) as unknown;
  const files = dashboardFiles(example);

  it('holds exactly the dashboards of the example stream, as `npm run gen:grafana` writes them', () => {
    assert.deepEqual(readdirSync(join(root, 'grafana', 'dashboards')).sort(), Object.keys(files).sort());
    for (const [file, json] of Object.entries(files))
      assert.equal(readFileSync(join(root, 'grafana', 'dashboards', file), 'utf8'), json, file);
  });
});
