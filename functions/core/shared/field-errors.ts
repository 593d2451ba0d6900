import type * as z from 'zod/mini';
/** One problem with a request, at the client's own field path (`channels.email.to[3]`). */
export interface FieldError {
  path: string;
  message: string;
}

/** One step of a field path: an object key or an array index. */
export type PathSegment = PropertyKey;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * `channels.email.to[3]`. Keys that are not identifiers (metadata or FCM data keys such as
 * `google.x`) are bracket-quoted so the path stays unambiguous.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') {
      path += `[${segment}]`;
      continue;
    }
    const key = String(segment);
    if (IDENTIFIER.test(key)) path += path === '' ? key : `.${key}`;
    else path += `[${JSON.stringify(key)}]`;
  }
  return path;
}

const TYPE_NOUNS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  array: 'an array',
  object: 'a JSON object',
  record: 'a JSON object',
};

/**
 * Zod's default messages name its own types ("expected record, received array"); clients get short
 * sentences about their field instead. Messages set on a schema take precedence over this map.
 */
export const humanMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${TYPE_NOUNS[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string') {
        return Number(issue.minimum) === 1
          ? 'must not be empty'
          : `must be at least ${issue.minimum} characters`;
      }
      if (issue.origin === 'array') return `must have at least ${issue.minimum} items`;
      return `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `must have at most ${issue.maximum} items`;
      return `must be at most ${issue.maximum}`;
    case 'invalid_format':
      return issue.format === 'email' ? 'must be an email address' : 'has an invalid format';
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'unrecognized_keys':
      return 'unknown field';
    case 'invalid_union':
      return 'has an invalid type';
    default:
      return undefined;
  }
};

/** Zod issues -> client-facing errors, under `prefix` (where the validated value sits). */
export function toFieldErrors(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PathSegment[] = [],
): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    const at = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      // One error per key, so the path names the field the client should remove.
      for (const key of issue.keys)
        errors.push({ path: formatPath([...at, key]), message: issue.message });
    } else if (issue.code === 'invalid_key') {
      const inner = issue.issues[0]?.message ?? 'is not allowed';
      errors.push({ path: formatPath(at), message: `key ${inner}` });
    } else {
      errors.push({ path: formatPath(at), message: issue.message });
    }
  }
  return errors;
}

/** Runs `schema` on `value` (found at `path`); on failure adds its errors and returns undefined. */
export function validateAt<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  path: readonly PathSegment[],
  errors: FieldError[],
): { value: z.output<S> } | undefined {
  const result = schema.safeParse(value, { error: humanMessage });
  if (result.success) return { value: result.data };
  errors.push(...toFieldErrors(result.error.issues, path));
  return undefined;
}

/** Last line of defence for "never throw": an input no rule foresaw is a 400, not a 500. */
export function unexpectedInput(): { ok: false; errors: FieldError[] } {
  return { ok: false, errors: [{ path: '', message: 'the request body could not be validated' }] };
}
