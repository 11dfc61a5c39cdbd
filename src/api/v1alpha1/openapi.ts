/**
 * The subset of a CRD's structural OpenAPI v3 schema this API uses, with the wire names
 * (`x-kubernetes-validations`), so the schema serialises to the CRD YAML unchanged.
 */
export type Validation = {
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
  readonly reason?:
    'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
};

export type Schema = {
  readonly type: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  readonly description: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly default?: unknown;
  readonly enum?: readonly (string | number)[];
  readonly pattern?: string;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly 'x-kubernetes-validations'?: readonly Validation[];
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
};

type Extra = Omit<Schema, 'type' | 'description'>;

export const str = (description: string, extra: Extra = {}): Schema => ({
  type: 'string',
  description,
  ...extra,
});
export const int = (description: string, extra: Extra = {}): Schema => ({
  type: 'integer',
  description,
  ...extra,
});
export const num = (description: string, extra: Extra = {}): Schema => ({
  type: 'number',
  description,
  ...extra,
});
export const bool = (description: string, extra: Extra = {}): Schema => ({
  type: 'boolean',
  description,
  ...extra,
});
export const arr = (description: string, items: Schema, extra: Extra = {}): Schema => ({
  type: 'array',
  description,
  items,
  ...extra,
});
export const obj = (description: string, properties: Record<string, Schema>, extra: Extra = {}): Schema => ({
  type: 'object',
  description,
  properties,
  ...extra,
});

/**
 * Fills in the schema's `default`s the way the API server does (structural defaulting): an absent field
 * with a default gets it, and defaulted objects get their own fields' defaults in turn. Lets the pure core
 * work on a resource that has not been through the API server (a test, `helm template`).
 */
export const withDefaults = (schema: Schema, value: unknown): unknown => {
  const v = value === undefined ? structuredClone(schema.default) : value;
  if (v === undefined || v === null) return v;
  if (
    schema.type === 'object' &&
    schema.properties !== undefined &&
    typeof v === 'object' &&
    !Array.isArray(v)
  ) {
    const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    for (const [key, sub] of Object.entries(schema.properties)) {
      const filled = withDefaults(sub, out[key]);
      if (filled !== undefined) out[key] = filled;
    }
    return out;
  }
  if (schema.type === 'array' && schema.items !== undefined && Array.isArray(v)) {
    const items = schema.items;
    return v.map((item: unknown) => withDefaults(items, item));
  }
  return v;
};

/**
 * Spells out every object default in full (`default: {}` becomes the object its fields' defaults make).
 * The API server checks a default against the CEL rules as written, without defaulting inside it.
 */
export const completeDefaults = (schema: Schema): Schema => {
  const properties =
    schema.properties === undefined
      ? undefined
      : Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, completeDefaults(s)]));
  const items = schema.items === undefined ? undefined : completeDefaults(schema.items);
  const out: Schema = {
    ...schema,
    ...(properties === undefined ? {} : { properties }),
    ...(items === undefined ? {} : { items }),
  };
  if (schema.type !== 'object' || out.default === undefined) return out;
  const { default: shallow, ...rest } = out;
  return { ...rest, default: withDefaults(rest as Schema, shallow) };
};
