// Writes grafana/dashboards/*.json: the dashboards the operator provisions for manifests/examples/usdc-majors.yaml.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { dashboardFiles } from '../src/core/operator/grafana/exampleDashboards.ts';

const root = join(import.meta.dirname, '..');
const example = parse(
  readFileSync(join(root, 'manifests', 'examples', 'usdc-majors.yaml'), 'utf8'),
) as unknown;
for (const [file, json] of Object.entries(dashboardFiles(example))) {
  writeFileSync(join(root, 'grafana', 'dashboards', file), json);
  process.stdout.write(`wrote grafana/dashboards/${file}\n`);
}
