import { type FieldError, formatPath, type PathSegment } from '../shared/field-errors';

/*
 * The JSON Schema a template may declare for its data: a subset of draft 2020-12 that covers what
 * message data needs (types, properties, required, items, enum, lengths, bounds, a few formats),
 * checked by this small walker. A full validator (ajv: ~135 KiB bundled, and it compiles schemas
 * with `new Function`) would weigh on the api function that checks every send; `pattern` is left
 * out so a tenant's regular expression can never stall a send (ReDoS).
 */

export type DataType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';
const TYPES: readonly DataType[] = [
  'string',
  'number',
  'integer',
  'boolean',
  'object',
  'array',
  'null',
];
const FORMATS = ['email', 'date-time', 'date', 'uri'] as const;

/** A schema node of the accepted subset. */
export interface DataSchema {
  type?: DataType | DataType[];
  properties?: Record<string, DataSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: DataSchema;
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  format?: (typeof FORMATS)[number];
  title?: string;
  description?: string;
  $schema?: string;
}

const MAX_SCHEMA_DEPTH = 16;
const MAX_SCHEMA_NODES = 500;
const COUNTS = ['minLength', 'maxLength', 'minItems', 'maxItems'] as const;
const KNOWN = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'format',
  'title',
  'description',
  '$schema',
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks that `value` is a schema of the subset; adds errors at `path` (e.g. `dataSchema`). */
export function checkDataSchema(
  value: unknown,
  path: readonly PathSegment[],
  errors: FieldError[],
): void {
  let nodes = 0;
  const walk = (node: unknown, at: PathSegment[], depth: number): void => {
    const here = formatPath(at);
    if (++nodes > MAX_SCHEMA_NODES || depth > MAX_SCHEMA_DEPTH) {
      errors.push({ path: here, message: 'the schema is too large or too deep' });
      return;
    }
    if (!isObject(node)) {
      errors.push({ path: here, message: 'must be a JSON Schema object' });
      return;
    }
    for (const key of Object.keys(node)) {
      if (!KNOWN.has(key)) {
        errors.push({
          path: formatPath([...at, key]),
          message: `is not supported; a data schema may use ${[...KNOWN].join(', ')}`,
        });
      }
    }
    const { type, properties, required, items, format } = node;
    const types = Array.isArray(type) ? type : type === undefined ? [] : [type];
    if (types.length === 0 && type !== undefined)
      errors.push({ path: `${here}.type`, message: 'must not be empty' });
    for (const t of types) {
      if (!TYPES.includes(t as DataType)) {
        errors.push({
          path: formatPath([...at, 'type']),
          message: `must be one of ${TYPES.join(', ')}`,
        });
      }
    }
    if (properties !== undefined) {
      if (!isObject(properties)) {
        errors.push({ path: formatPath([...at, 'properties']), message: 'must be a JSON object' });
      } else {
        for (const [name, child] of Object.entries(properties))
          walk(child, [...at, 'properties', name], depth + 1);
      }
    }
    if (
      required !== undefined &&
      !(Array.isArray(required) && required.every((r) => typeof r === 'string'))
    ) {
      errors.push({
        path: formatPath([...at, 'required']),
        message: 'must be an array of property names',
      });
    }
    if (node.additionalProperties !== undefined && typeof node.additionalProperties !== 'boolean') {
      errors.push({
        path: formatPath([...at, 'additionalProperties']),
        message: 'must be true or false',
      });
    }
    if (items !== undefined) walk(items, [...at, 'items'], depth + 1);
    if (node.enum !== undefined && !Array.isArray(node.enum)) {
      errors.push({ path: formatPath([...at, 'enum']), message: 'must be an array' });
    }
    for (const count of COUNTS) {
      const n = node[count];
      if (n !== undefined && !(Number.isInteger(n) && (n as number) >= 0)) {
        errors.push({
          path: formatPath([...at, count]),
          message: 'must be a non-negative integer',
        });
      }
    }
    for (const bound of ['minimum', 'maximum'] as const) {
      if (node[bound] !== undefined && typeof node[bound] !== 'number') {
        errors.push({ path: formatPath([...at, bound]), message: 'must be a number' });
      }
    }
    if (format !== undefined && !(FORMATS as readonly unknown[]).includes(format)) {
      errors.push({
        path: formatPath([...at, 'format']),
        message: `must be one of ${FORMATS.join(', ')}`,
      });
    }
  };
  walk(value, [...path], 0);
}

const FORMAT_TESTS: Record<(typeof FORMATS)[number], (s: string) => boolean> = {
  email: (s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s),
  'date-time': (s) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) &&
    !Number.isNaN(Date.parse(s)),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  uri: (s) => /^[a-z][a-z0-9+.-]*:[^\s]*$/i.test(s),
};

function typeOf(value: unknown): DataType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as DataType;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Checks `data` against a schema of the subset; every mismatch at its path under `prefix`. */
export function validateData(
  schema: DataSchema,
  data: unknown,
  prefix: readonly PathSegment[],
): FieldError[] {
  const errors: FieldError[] = [];
  const check = (node: DataSchema, value: unknown, at: PathSegment[]): void => {
    if (errors.length >= 20) return;
    const path = formatPath(at);
    const actual = typeOf(value);
    if (node.type !== undefined) {
      const allowed = Array.isArray(node.type) ? node.type : [node.type];
      const fits = allowed.includes(actual) || (actual === 'integer' && allowed.includes('number'));
      if (!fits) {
        errors.push({ path, message: `must be ${allowed.join(' or ')}` });
        return;
      }
    }
    if (node.const !== undefined && !sameJson(node.const, value)) {
      errors.push({ path, message: `must be ${JSON.stringify(node.const)}` });
    }
    if (node.enum && !node.enum.some((option) => sameJson(option, value))) {
      errors.push({
        path,
        message: `must be one of ${node.enum.map((o) => JSON.stringify(o)).join(', ')}`,
      });
    }
    if (typeof value === 'string') {
      const length = [...value].length;
      if (node.minLength !== undefined && length < node.minLength)
        errors.push({ path, message: `must be at least ${node.minLength} characters` });
      if (node.maxLength !== undefined && length > node.maxLength)
        errors.push({ path, message: `must be at most ${node.maxLength} characters` });
      if (node.format && !FORMAT_TESTS[node.format](value))
        errors.push({ path, message: `must be in ${node.format} format` });
    }
    if (typeof value === 'number') {
      if (node.minimum !== undefined && value < node.minimum)
        errors.push({ path, message: `must be at least ${node.minimum}` });
      if (node.maximum !== undefined && value > node.maximum)
        errors.push({ path, message: `must be at most ${node.maximum}` });
    }
    if (Array.isArray(value)) {
      if (node.minItems !== undefined && value.length < node.minItems)
        errors.push({ path, message: `must have at least ${node.minItems} items` });
      if (node.maxItems !== undefined && value.length > node.maxItems)
        errors.push({ path, message: `must have at most ${node.maxItems} items` });
      if (node.items) {
        const items = node.items;
        value.forEach((item, i) => {
          check(items, item, [...at, i]);
        });
      }
    }
    if (isObject(value)) {
      for (const name of node.required ?? []) {
        if (!Object.hasOwn(value, name))
          errors.push({ path: formatPath([...at, name]), message: 'is required' });
      }
      for (const [name, child] of Object.entries(value)) {
        const sub =
          node.properties && Object.hasOwn(node.properties, name)
            ? node.properties[name]
            : undefined;
        if (sub) check(sub, child, [...at, name]);
        else if (node.additionalProperties === false)
          errors.push({ path: formatPath([...at, name]), message: 'unknown field' });
      }
    }
  };
  check(schema, data, [...prefix]);
  return errors;
}
