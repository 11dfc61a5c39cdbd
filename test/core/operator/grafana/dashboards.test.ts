import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import {
  dashboards,
  DASHBOARD_KINDS,
  streamDashboard,
} from '../../../../src/core/operator/grafana/dashboards.ts';
import type { DashboardJson, FluxTarget } from '../../../../src/core/operator/grafana/dashboards.ts';
import {
  dashboardJson,
  dashboardTemplates,
} from '../../../../src/core/operator/grafana/dashboards/templates.ts';
import { grafanaDashboards } from '../../../../src/core/operator/grafana/provisioning.ts';
import { aCryptoStream } from '../aCryptoStream.ts';

const root = join(import.meta.dirname, '..', '..', '..', '..');
const templateDir = join(root, 'src', 'core', 'operator', 'grafana', 'dashboards');
const kinds = Object.keys(DASHBOARD_KINDS) as (keyof typeof DASHBOARD_KINDS)[];
const stored = (kind: string): DashboardJson =>
  JSON.parse(readFileSync(join(templateDir, `${kind}.json`), 'utf8')) as DashboardJson;

/*
 * The SDK ships TypeScript types and builders, no JSON schema: the stored JSON is checked against the
 * types by the TypeScript compiler. Each dashboard is written into a TypeScript source as object literals
 * typed with the SDK's types as JSON reads them (functions left out, enums as their values), so that a
 * missing, misspelt or ill-typed property is a compile error: the dashboard, then each panel's options and
 * field config against its panel plugin's types, and each query against the Flux query's. An annotation's
 * target is a query of the annotation's datasource (Grafana runs it so), which the SDK types as the built-in
 * Grafana datasource's (`AnnotationTarget`, "this should just be a normal query target"): the annotation is
 * checked against `AnnotationQuery` without its target, the target against the Flux query's type.
 */
const JSON_TYPE = `
type IsAny<T> = 0 extends 1 & T ? true : false;
type Json<T> = IsAny<T> extends true ? unknown
  : T extends (...args: never[]) => unknown ? never
  : T extends string ? \`\${T}\`
  : T extends number ? (\`\${T}\` extends \`\${infer N extends number}\` ? N : number)
  : T extends boolean | null | undefined ? T
  : T extends readonly (infer E)[] ? Json<E>[]
  : T extends object ? { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: Json<T[K]> }
  : T;
`;

const PANEL_TYPES: Record<string, string> = { candlestick: 'candlestick', timeseries: 'timeseries' };

const checkSource = (name: string, d: DashboardJson): string => {
  const lines = [
    "import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';",
    "import type * as candlestick from '@grafana/grafana-foundation-sdk/candlestick';",
    "import type * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';",
    `import type { FluxQuery } from ${JSON.stringify(join(templateDir, 'fluxQuery.ts'))};`,
    JSON_TYPE,
  ];
  const annotations = d.annotations.list ?? [];
  const withoutTargets = annotations.map(({ target: _, ...a }) => a);
  lines.push(
    `export const ${name}: Json<dashboard.Dashboard> = ${JSON.stringify({ ...d, annotations: { ...d.annotations, ...(d.annotations.list === undefined ? {} : { list: withoutTargets }) } })};`,
  );
  annotations.forEach((a, i) =>
    lines.push(`export const ${name}_annotation_${i}_target: Json<FluxQuery> = ${JSON.stringify(a.target)};`),
  );
  d.panels.forEach((p, i) => {
    const plugin = PANEL_TYPES[p.type];
    assert.ok(plugin, `panel ${p.title}: a panel type the SDK knows (${p.type})`);
    lines.push(`export const ${name}_${i}_options: Json<${plugin}.Options> = ${JSON.stringify(p.options)};`);
    if (p.fieldConfig?.defaults.custom !== undefined)
      lines.push(
        `export const ${name}_${i}_custom: Json<${plugin}.FieldConfig> = ${JSON.stringify(p.fieldConfig.defaults.custom)};`,
      );
    // Override values are `any` to the SDK: each is typed as the field config property it sets.
    p.fieldConfig?.overrides.forEach((o, j) =>
      o.properties.forEach((prop, k) => {
        const [, custom, key] = /^(custom\.)?(\w+)$/.exec(prop.id) ?? [];
        assert.ok(key, `${p.title}: override property ${prop.id}`);
        const type = custom === undefined ? 'dashboard.FieldConfig' : `${plugin}.FieldConfig`;
        lines.push(
          `export const ${name}_${i}_override_${j}_${k}: Json<${type}>[${JSON.stringify(key)}] = ${JSON.stringify(prop.value)};`,
        );
      }),
    );
    p.targets.forEach((t, j) =>
      lines.push(`export const ${name}_${i}_target_${j}: Json<FluxQuery> = ${JSON.stringify(t)};`),
    );
  });
  return lines.join('\n');
};

/** Compiles sources beside the repository's own files; the compiler's errors in them. */
const typeErrors = (sources: Record<string, string>): string[] => {
  const options: ts.CompilerOptions = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2024,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    types: [],
  };
  const files = new Map(Object.entries(sources).map(([f, text]) => [join(root, 'test', f), text]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, v, ...rest) => {
    const text = files.get(f);
    return text === undefined ? getSourceFile.call(host, f, v, ...rest) : ts.createSourceFile(f, text, v);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  return [...files.keys()].flatMap((f) =>
    ts
      .getPreEmitDiagnostics(program, program.getSourceFile(f))
      .map((d) => `${f}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`),
  );
};

describe('the dashboards', () => {
  const templates = dashboardTemplates();

  it('are stored as the Grafana Foundation SDK builds them (`npm run gen:grafana` writes them)', () => {
    for (const kind of kinds)
      assert.deepEqual(stored(kind), JSON.parse(dashboardJson(templates[kind])), `dashboards/${kind}.json`);
  });

  it("type-check against the SDK's types: dashboard, panel options and field config, queries", () => {
    const sources = Object.fromEntries(kinds.map((k) => [`sdk-check-${k}.ts`, checkSource(k, stored(k))]));
    assert.deepEqual(typeErrors(sources), []);
  });

  it('would catch a dashboard the SDK cannot type', () => {
    const market = stored('market');
    const [first, ...rest] = market.panels;
    const withPanel = (changes: Record<string, unknown>) =>
      ({ ...market, panels: [{ ...first!, ...changes }, ...rest] }) as unknown as DashboardJson;
    const [annotation] = market.annotations.list ?? [];
    assert.ok(annotation, 'the market dashboard has an annotation');
    const withAnnotation = (changes: Record<string, unknown>) =>
      ({ ...market, annotations: { list: [{ ...annotation, ...changes }] } }) as unknown as DashboardJson;
    const broken: Record<string, [DashboardJson, string]> = {
      tooltip: [{ ...market, graphTooltip: 7 } as unknown as DashboardJson, "Type '7' is not assignable"],
      misspelt: [withPanel({ gridpos: first!.gridPos }), `'"gridpos"' does not exist`],
      option: [
        withPanel({ options: { ...first!.options, mode: 'ohlc' } }),
        `Type '"ohlc"' is not assignable`,
      ],
      override: [
        withPanel({
          fieldConfig: {
            defaults: {},
            overrides: [
              {
                matcher: { id: 'byName', options: 'x' },
                properties: [{ id: 'custom.lineWidth', value: 'thin' }],
              },
            ],
          },
        }),
        "Type 'string' is not assignable to type 'number'",
      ],
      query: [
        withPanel({ targets: [{ ...first!.targets[0]!, query: undefined, expr: 'up' }] }),
        `'"expr"' does not exist`,
      ],
      annotation: [withAnnotation({ iconcolor: 'red' }), `'"iconcolor"' does not exist`],
      annotationQuery: [
        withAnnotation({ target: { ...annotation!.target, query: 42 } }),
        "Type 'number' is not assignable to type 'string'",
      ],
    };
    const errors = typeErrors(
      Object.fromEntries(Object.entries(broken).map(([k, [d]]) => [`sdk-check-${k}.ts`, checkSource(k, d)])),
    );
    for (const [k, [, message]] of Object.entries(broken))
      assert.ok(
        errors.some((e) => e.includes(`sdk-check-${k}.ts`) && e.includes(message)),
        `${k}: ${message}\n${errors.join('\n')}`,
      );
  });

  it('use schema version 41 (Grafana 11.6 to 12.1, the operator deploys grafana/grafana:12.1.1)', () => {
    for (const kind of kinds) assert.equal(stored(kind).schemaVersion, 41);
  });

  it('query InfluxDB in Flux, one row per window, with the variables they define', () => {
    for (const kind of kinds) {
      const d = stored(kind);
      const defined = new Set((d.templating.list ?? []).map((v) => v.name));
      const checkQuery = (what: string, query: string) => {
        assert.match(query, /range\(start: v\.timeRangeStart, stop: v\.timeRangeStop\)/, what);
        for (const [, name] of query.matchAll(/\$\{(\w+)\}/g))
          assert.ok(defined.has(name!), `${what} uses \${${name}}, a variable of the dashboard`);
        // Grafana's server would replace these whatever the word before the dot (macros.go).
        assert.doesNotMatch(query, /[a-zA-Z]+\.(bucket|defaultBucket|organization)\b/, what);
      };
      for (const p of d.panels) {
        assert.deepEqual(p.datasource, { type: 'influxdb', uid: 'influxdb' });
        assert.ok(p.targets.length > 0, `${kind}/${p.title} has a query`);
        for (const t of p.targets) {
          assert.match(t.query, /aggregateWindow\(every: v\.windowPeriod, /, `${kind}/${p.title}`);
          checkQuery(`${kind}/${p.title}`, t.query);
        }
      }
      // Annotations: one row per event (an alert fires at most once per rule and candle), no windows.
      for (const a of d.annotations.list ?? []) {
        assert.deepEqual(a.datasource, { type: 'influxdb', uid: 'influxdb' });
        const target = a.target as unknown as FluxTarget | undefined;
        assert.ok(target, `${kind}/${a.name} has a query`);
        assert.deepEqual(target.datasource, a.datasource);
        checkQuery(`${kind}/${a.name}`, target.query);
      }
    }
  });

  it('show the alerts of the chosen market as annotations of the market dashboard', () => {
    const [market, pipeline] = [stored('market'), stored('pipeline')];
    assert.deepEqual(
      (market.annotations.list ?? []).map((a) => [a.name, a.enable]),
      [['Alerts', true]],
    );
    assert.equal(pipeline.annotations.list, undefined);
    const { query } = market.annotations.list![0]!.target as unknown as FluxTarget;
    assert.match(query, /from\(bucket: "\$\{bucket_enriched\}"\)/);
    assert.match(
      query,
      /r\._measurement == "alert" and r\.symbol == "\$\{symbol\}" and r\.interval == "\$\{interval\}" and r\._field == "message"/,
    );
    // Grafana maps the first time column to the annotation's time and the column `text` to its text.
    assert.match(
      query,
      /keep\(columns: \["_time", "_value"\]\)\n {2}\|> rename\(columns: \{_value: "text"\}\)/,
    );
  });

  it('are named per stream, their content the templates', () => {
    const cr = aCryptoStream();
    const ds = dashboards(cr);
    assert.deepEqual(
      ds.map((d) => [d.uid, d.title]),
      [
        [streamDashboard(cr, 'market').uid, 'CryptoStream demo: market'],
        [streamDashboard(cr, 'pipeline').uid, 'CryptoStream demo: pipeline health'],
      ],
    );
    assert.match(ds[0]!.uid, /^cs-[0-9a-f]{8}-market$/);
    for (const d of ds) assert.ok(d.uid.length <= 40, `${d.uid}: Grafana uids have at most 40 characters`);
    const other = dashboards({ ...cr, metadata: { ...cr.metadata, namespace: 'other' } });
    assert.notEqual(other[0]!.uid, ds[0]!.uid, 'two streams of one name in two namespaces');
    ds.forEach((d, i) =>
      assert.deepEqual({ ...d, uid: '', title: '' }, { ...stored(kinds[i]!), uid: '', title: '' }),
    );
  });

  it('are provisioned, one ConfigMap key each', () => {
    const cm = grafanaDashboards(aCryptoStream()) as unknown as { data: Record<string, string> };
    const ds = dashboards(aCryptoStream());
    assert.deepEqual(
      Object.keys(cm.data),
      ds.map((d) => `${d.uid}.json`),
    );
    for (const d of ds) assert.deepEqual(JSON.parse(cm.data[`${d.uid}.json`]!), d);
  });
});
