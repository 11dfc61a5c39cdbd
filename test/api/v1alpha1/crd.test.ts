import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { crd } from '../../../src/api/v1alpha1/crd.ts';
import { checkIndicatorConfig, defaultIndicatorConfig } from '../../../src/core/indicators/config.ts';
import { crdPaths, crdYaml } from '../../../src/api/v1alpha1/crdYaml.ts';
import { defaulted } from '../../../src/api/v1alpha1/defaults.ts';
import type { Schema } from '../../../src/api/v1alpha1/openapi.ts';
import { rootSchema } from '../../../src/api/v1alpha1/schema.ts';

const root = join(import.meta.dirname, '..', '..', '..');

/** Every schema node below `path`, with its path (for messages). */
const nodes = (s: Schema, path = ''): [string, Schema][] => [
  [path, s],
  ...Object.entries(s.properties ?? {}).flatMap(([k, sub]) => nodes(sub, `${path}.${k}`)),
  ...(s.items === undefined ? [] : nodes(s.items, `${path}[]`)),
];

describe('the CryptoStream CRD', () => {
  for (const path of crdPaths)
    it(`is committed in ${path} exactly as \`npm run gen:crd\` generates it`, () => {
      assert.equal(readFileSync(join(root, path), 'utf8'), crdYaml());
    });

  it('parses back to the TypeScript definition', () => {
    assert.deepEqual(parse(crdYaml()), JSON.parse(JSON.stringify(crd)));
  });

  it('describes every field, so `kubectl explain` explains all of them', () => {
    const undocumented = nodes(rootSchema)
      .filter(([path]) => path !== '.metadata') // the API server owns metadata's schema
      .filter(([, s]) => (s.description ?? '').trim() === '')
      .map(([p]) => p);
    assert.deepEqual(undocumented, []);
  });

  it('bounds every string and list under spec that a CEL rule reads', () => {
    const unbounded = nodes(rootSchema.properties!['spec']!, 'spec')
      .filter(([, s]) => s['x-kubernetes-validations'] !== undefined)
      .filter(
        ([, s]) =>
          (s.type === 'string' && s.maxLength === undefined) ||
          (s.type === 'array' && s.maxItems === undefined),
      )
      .map(([p]) => p);
    assert.deepEqual(unbounded, []);
  });

  it('shows symbols, intervals, readiness, the Grafana condition (wide) and age as printer columns', () => {
    assert.deepEqual(
      crd.spec.versions[0].additionalPrinterColumns.map((c) => c.name),
      ['Symbols', 'Intervals', 'Ready', 'Reason', 'Grafana', 'Age'],
    );
  });

  it('prints no list as JSON: the Symbols and Intervals columns read the joined strings of the status', () => {
    const columns = crd.spec.versions[0].additionalPrinterColumns;
    const status = rootSchema.properties!['status']!.properties!;
    for (const c of columns.filter((c) => c.type === 'string')) {
      const path = c.jsonPath
        .replace(/\[\?\(.*?\)\]/g, '')
        .split('.')
        .slice(1);
      const schema = path.reduce<Schema | undefined>(
        (s, key) => (s?.type === 'array' ? s.items : s)?.properties?.[key],
        rootSchema,
      );
      assert.equal(schema?.type, 'string', `${c.name}: ${c.jsonPath}`);
    }
    assert.deepEqual(
      ['symbols', 'intervals'].map((f) => status[f]?.type),
      ['string', 'string'],
    );
  });

  it('belongs to the category cryptostream, not to all', () => {
    assert.deepEqual(crd.spec.names.categories, ['cryptostream']);
  });
});

describe('defaulting a CryptoStream', () => {
  const cr = defaulted({
    apiVersion: 'cryptostream.io/v1alpha1',
    kind: 'CryptoStream',
    metadata: { name: 'x' },
    spec: { symbols: ['BTCUSDC'] },
  });

  it('follows one interval, 1m, when none is given', () => {
    assert.deepEqual(cr.spec.intervals, ['1m']);
  });

  it('fills nested objects the way the API server does', () => {
    assert.equal(cr.spec.kafka.replicas, 1);
    assert.equal(cr.spec.consumer.autoscaling.maxReplicas, 4);
    assert.deepEqual(cr.spec.producer.resources, {
      requests: { cpu: '50m', memory: '64Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    });
    assert.deepEqual(cr.spec.indicators.macd, { fast: 12, slow: 26, signal: 9 });
  });

  it('keeps what the resource sets', () => {
    const own = defaulted({
      spec: { symbols: ['ETHUSDC'], kafka: { replicas: 3 }, grafana: { enabled: false } },
    });
    assert.equal(own.spec.kafka.replicas, 3);
    assert.equal(own.spec.kafka.storage, '10Gi');
    assert.equal(own.spec.grafana.enabled, false);
  });

  it('leaves optional fields without a default absent', () => {
    assert.equal(cr.spec.binance.backfillFrom, undefined);
    assert.equal(cr.spec.grafana.adminSecret, undefined);
    assert.equal(cr.spec.image, undefined);
  });
});

describe('the indicator periods of a CryptoStream', () => {
  const { indicators } = defaulted({ spec: { symbols: ['BTCUSDC'] } }).spec;

  it('default to the consumers’ own defaults', () => {
    assert.deepEqual(indicators, defaultIndicatorConfig);
  });

  it('are a configuration the consumers accept', () => {
    assert.equal(checkIndicatorConfig(indicators).ok, true);
  });
});
