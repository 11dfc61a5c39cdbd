// Writes the generated Grafana dashboards (`npm run gen:grafana`):
// - src/core/operator/grafana/dashboards/<kind>.json: what the Grafana Foundation SDK builds
//   (dashboards/templates.ts), which the operator reads and names per stream (dashboards.ts);
// - grafana/dashboards/*.json: the dashboards the operator provisions for manifests/examples/usdc-majors.yaml
//   (stale ones removed).
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier';
import { parse } from 'yaml';
import { dashboardJson, dashboardTemplates } from '../src/core/operator/grafana/dashboards/templates.ts';

const root = join(import.meta.dirname, '..');
const write = (path: string, text: string) => {
  writeFileSync(join(root, path), text);
  process.stdout.write(`wrote ${path}\n`);
};

// The templates live in the sources: formatted as `prettier --check` wants them.
for (const [kind, dashboard] of Object.entries(dashboardTemplates()))
  write(
    `src/core/operator/grafana/dashboards/${kind}.json`,
    await format(dashboardJson(dashboard), { parser: 'json' }),
  );

// The example stream's dashboards, through the operator's own code: imported only now, so that it reads the
// templates just written.
const { dashboardFiles } = await import('../src/core/operator/grafana/exampleDashboards.ts');
const example = parse(
  readFileSync(join(root, 'manifests', 'examples', 'usdc-majors.yaml'), 'utf8'),
) as unknown;
const generated = dashboardFiles(example);
const dir = join(root, 'grafana', 'dashboards');
for (const stale of readdirSync(dir).filter((f) => f.endsWith('.json') && !(f in generated))) {
  rmSync(join(dir, stale));
  process.stdout.write(`removed grafana/dashboards/${stale}\n`);
}
for (const [file, json] of Object.entries(generated)) write(`grafana/dashboards/${file}`, json);
