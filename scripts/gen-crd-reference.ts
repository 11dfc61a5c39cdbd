// Writes docs/crd-reference.md, the reference of every CryptoStream field, from the CRD's OpenAPI schema
// (src/api/v1alpha1/schema.ts) and its names and printer columns (src/api/v1alpha1/crd.ts).
// `npm run gen:crd-docs`; test/api/v1alpha1/crdReference.test.ts fails when the committed file differs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { isDeepStrictEqual } from 'node:util';
import { crd } from '../src/api/v1alpha1/crd.ts';
import { withDefaults } from '../src/api/v1alpha1/openapi.ts';
import type { Schema } from '../src/api/v1alpha1/openapi.ts';
import { rootSchema } from '../src/api/v1alpha1/schema.ts';

/** Where the reference lives, relative to the repository root. */
export const crdReferencePath = 'docs/crd-reference.md';

const root = join(import.meta.dirname, '..');

/** A schema node that may be a map (`additionalProperties`, outside the Schema type) or have `maxProperties`. */
type Node = Schema & { readonly additionalProperties?: Schema; readonly maxProperties?: number };

/** One row of the reference: a field, where it is, and whether its parent requires it. */
type Field = { readonly path: string; readonly schema: Node; readonly required: boolean };

/** `s` and every field below it in document order: objects' properties, and list items' fields as `[]`. */
export const fieldsOf = (s: Node, path: string, required = false): Field[] => {
  const here: Field = { path, schema: s, required };
  const properties = Object.entries(s.properties ?? {}).flatMap(([key, sub]) =>
    fieldsOf(sub, `${path}.${key}`, (s.required ?? []).includes(key)),
  );
  const items = s.items === undefined ? [] : fieldsOf(s.items, `${path}[]`);
  return [here, ...properties, ...items];
};

/** Text for a table cell: one line, pipes escaped, `<` written so that GitHub does not take it for HTML. */
const cell = (text: string): string =>
  text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;');

/** A value in a code span (a default, an enum value, a pattern). */
const code = (value: string): string => {
  const escaped = value.replace(/\|/g, '\\|');
  return escaped.includes('`') ? `\`\` ${escaped} \`\`` : `\`${escaped}\``;
};

const typeOf = (s: Node): string => {
  const base = (n: Node): string => {
    if (n.type === 'array' && n.items !== undefined) return `[]${base(n.items)}`;
    if (n.type === 'object' && n.additionalProperties !== undefined)
      return `map[string]${base(n.additionalProperties)}`;
    return n.type;
  };
  return s.format === undefined ? base(s) : `${base(s)} (${s.format})`;
};

/** The default as the API server fills it in; an object's default spelled as "its fields' defaults" when it is that. */
const defaultOf = (s: Node): string => {
  if (s.default === undefined) return '';
  if (s.type === 'object' && typeof s.default === 'object' && s.default !== null) {
    const { default: _, ...withoutDefault } = s;
    if (isDeepStrictEqual(s.default, withDefaults(withoutDefault as Schema, {})))
      return `${code('{}')} (its fields' defaults)`;
  }
  return code(JSON.stringify(s.default));
};

const range = (what: string, min: number | undefined, max: number | undefined): string[] => {
  if (min === undefined && max === undefined) return [];
  if (min !== undefined && max !== undefined) return [`${what} ${min} to ${max}`];
  return min !== undefined ? [`${what} at least ${min}`] : [`${what} at most ${max}`];
};

/** Everything the API server checks about a field: bounds, enum, pattern, list type, CEL rules (their messages). */
const constraintsOf = (s: Node): string[] => [
  ...(s.enum === undefined ? [] : [`one of ${s.enum.map((v) => code(String(v))).join(', ')}`]),
  ...range('from', s.minimum, s.maximum),
  ...range('length', s.minLength, s.maxLength),
  ...range('items', s.minItems, s.maxItems),
  ...(s.maxProperties === undefined ? [] : [`at most ${s.maxProperties} keys`]),
  ...(s.pattern === undefined ? [] : [`matches ${code(s.pattern)}`]),
  ...(s['x-kubernetes-list-type'] === 'map'
    ? [`list map keyed by ${(s['x-kubernetes-list-map-keys'] ?? []).map(code).join(', ')}`]
    : s['x-kubernetes-list-type'] === undefined
      ? []
      : [`list type ${s['x-kubernetes-list-type']}`]),
  ...(s['x-kubernetes-preserve-unknown-fields'] === true
    ? ['any fields (kept as written, checked when applied)']
    : []),
  ...(s['x-kubernetes-validations'] ?? []).map((v) => `rule: ${cell(v.message)}`),
];

/** One field: a heading with its path (a link target: `crd-reference.md#speckafkapartitions`), then its facts. */
const entry = (f: Field): string => {
  const s = f.schema;
  const values = s.additionalProperties;
  const facts = [
    `- type: ${code(typeOf(s))}${f.required ? ', **required**' : ''}`,
    ...(s.default === undefined ? [] : [`- default: ${defaultOf(s)}`]),
    ...constraintsOf(s).map((c) => `- ${c.startsWith('rule: ') ? c : cell(c)}`),
    ...(values === undefined
      ? []
      : [
          `- each value: ${[code(typeOf(values)), ...constraintsOf(values).map(cell)].join(', ')}: ${cell(values.description)}`,
        ]),
  ];
  return [`### ${code(f.path)}`, '', cell(s.description), '', ...facts].join('\n');
};

const section = (title: string, intro: string, s: Node, path: string): string =>
  [
    `## ${title}`,
    '',
    intro,
    '',
    fieldsOf(s, path, (rootSchema.required ?? []).includes(path))
      .map(entry)
      .join('\n\n'),
  ].join('\n');

const version = crd.spec.versions[0];

/** The reference as Markdown, formatted as Prettier formats Markdown in this repository. */
export const crdReference = async (): Promise<string> => {
  const spec = rootSchema.properties!['spec']!;
  const status = rootSchema.properties!['status']!;
  const rootRules = (rootSchema['x-kubernetes-validations'] ?? []).map((v) => `- ${cell(v.message)}`);
  const markdown = [
    `# CryptoStream API reference (${crd.spec.group}/${version.name})`,
    '',
    '<!-- Generated by scripts/gen-crd-reference.ts (npm run gen:crd-docs). Do not edit. -->',
    '',
    '> **Generated** from the CRD schema in `src/api/v1alpha1/schema.ts` (and the names and printer columns',
    '> of `src/api/v1alpha1/crd.ts`) by `npm run gen:crd-docs` (`scripts/gen-crd-reference.ts`). Do not',
    '> edit it by hand: change the schema and run the script again;',
    '> `test/api/v1alpha1/crdReference.test.ts` fails when this file differs from what the script writes.',
    '> The same text is what `kubectl explain cryptostream.spec` shows.',
    '',
    `${cell(rootSchema.description)}`,
    '',
    '| | |',
    '| --- | --- |',
    `| API version | ${code(`${crd.spec.group}/${version.name}`)} |`,
    `| kind | ${code(crd.spec.names.kind)} (list: ${code(crd.spec.names.listKind)}) |`,
    `| scope | ${crd.spec.scope} |`,
    `| plural, singular | ${code(crd.spec.names.plural)}, ${code(crd.spec.names.singular)} |`,
    `| short names | ${crd.spec.names.shortNames.map(code).join(', ')} |`,
    `| categories | ${crd.spec.names.categories.map(code).join(', ')} |`,
    `| subresources | ${Object.keys(version.subresources).map(code).join(', ')} |`,
    '',
    'Rules on the whole resource:',
    '',
    ...rootRules,
    '',
    'How to read it: every field has a heading with its path; a path ending in `[]` is an item of a list,',
    'a `map[string]…` type a map (its values under "each value"). **required** means required whenever its',
    'parent object is present. A default is what the API server fills in when the field is absent; an',
    "object default `{}` (its fields' defaults) means the object is created with each of its fields",
    'defaulted. The other lines are what the API server checks: the OpenAPI bounds and, as `rule:`, the',
    'message of each CEL rule (`x-kubernetes-validations`), which is what it answers when the rule fails.',
    'Rules that compare with the stored object (`oldSelf`: "cannot change", "cannot decrease") apply to',
    'updates only.',
    '',
    section('spec', 'Desired state; `spec.symbols` is the only field you must set.', spec as Node, 'spec'),
    '',
    section(
      'status',
      'Written by the operator through the `status` subresource; see [troubleshooting.md](troubleshooting.md) for what each condition reason means.',
      status as Node,
      'status',
    ),
    '',
    '## Printer columns',
    '',
    '`kubectl get cryptostreams` shows these; `-o wide` adds those of priority 1.',
    '',
    '| column | type | JSONPath | priority | description |',
    '| --- | --- | --- | --- | --- |',
    ...version.additionalPrinterColumns.map((c) =>
      [
        '',
        c.name,
        c.type,
        code(c.jsonPath),
        'priority' in c ? String(c.priority) : '0',
        'description' in c ? cell(c.description) : '',
        '',
      ]
        .join(' | ')
        .trim(),
    ),
    '',
  ].join('\n');
  const options = await resolveConfig(join(root, crdReferencePath));
  return format(markdown, { ...options, parser: 'markdown' });
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(join(root, crdReferencePath), await crdReference());
  process.stdout.write(`wrote ${crdReferencePath}\n`);
}
