import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { crd } from '../../../src/api/v1alpha1/crd.ts';
import type { Schema } from '../../../src/api/v1alpha1/openapi.ts';
import { rootSchema } from '../../../src/api/v1alpha1/schema.ts';
import { crdReference, crdReferencePath, fieldsOf } from '../../../scripts/gen-crd-reference.ts';

const root = join(import.meta.dirname, '..', '..', '..');

describe('the CRD reference (docs/crd-reference.md)', () => {
  const committed = readFileSync(join(root, crdReferencePath), 'utf8');

  it('is committed exactly as `npm run gen:crd-docs` generates it from the schema', async () => {
    assert.equal(
      committed,
      await crdReference(),
      `${crdReferencePath} is out of date: run npm run gen:crd-docs`,
    );
  });

  it('says that it is generated, from what and how', () => {
    const head = committed.split('\n').slice(0, 12).join('\n');
    assert.match(head, /Generated/);
    assert.match(head, /src\/api\/v1alpha1\/schema\.ts/);
    assert.match(head, /npm run gen:crd-docs/);
  });

  it('has a heading for every field of spec and status', () => {
    const headings = new Set(
      committed
        .split('\n')
        .filter((l) => l.startsWith('### '))
        .map((l) => l.slice(4).replace(/`/g, '')),
    );
    const paths = (['spec', 'status'] as const).flatMap((p) =>
      fieldsOf(rootSchema.properties![p]!, p).map((f) => f.path),
    );
    assert.ok(paths.length > 100, `${paths.length} fields`);
    assert.deepEqual(
      paths.filter((p) => !headings.has(p)),
      [],
    );
    assert.equal(headings.size, paths.length);
  });

  it('lists every field of a list item and of a nested object, with `[]` for items', () => {
    const paths = fieldsOf(rootSchema.properties!['spec']!, 'spec').map((f) => f.path);
    for (const p of [
      'spec.alerts[].name',
      'spec.kafka.external.tls.caSecret.key',
      'spec.consumer.autoscaling.lagThreshold',
      'spec.template.tolerations[].effect',
    ])
      assert.ok(paths.includes(p), p);
  });

  it('marks required fields, shows defaults, enums, bounds and every CEL rule message', () => {
    const section = (path: string): string => {
      const start = committed.indexOf(`### \`${path}\`\n`);
      assert.ok(start >= 0, path);
      const end = committed.indexOf('\n### ', start + 1);
      return committed.slice(start, end < 0 ? undefined : end);
    };
    const spec = rootSchema.properties!['spec']!.properties!;
    const partitions = spec['kafka']!.properties!['partitions']!;
    const field = spec['alerts']!.items!.properties!['field']!;
    assert.match(section('spec.symbols'), /\*\*required\*\*/);
    assert.ok(section('spec.kafka.partitions').includes(`default: \`${String(partitions.default)}\``));
    assert.ok(
      section('spec.kafka.partitions').includes(`from ${partitions.minimum} to ${partitions.maximum}`),
    );
    assert.match(section('spec.kafka.partitions'), /rule: kafka\.partitions cannot decrease/);
    assert.ok(
      section('spec.alerts[].field').includes(`one of ${field.enum!.map((v) => `\`${v}\``).join(', ')}`),
    );
    assert.match(section('spec.kafka'), /default: `\{\}` \(its fields' defaults\)/);

    const rules = (s: Schema): string[] => [
      ...(s['x-kubernetes-validations'] ?? []).map((v) => v.message),
      ...Object.values(s.properties ?? {}).flatMap(rules),
      ...(s.items === undefined ? [] : rules(s.items)),
    ];
    const text = committed.replace(/&lt;/g, '<').replace(/\\\|/g, '|');
    const missing = rules(rootSchema).filter((m) => !text.includes(m));
    assert.deepEqual(missing, []);
  });

  it('shows the printer columns of the CRD', () => {
    for (const c of crd.spec.versions[0].additionalPrinterColumns)
      assert.ok(committed.includes(`| ${c.name} `), c.name);
  });
});
