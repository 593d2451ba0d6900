import * as z from 'zod/mini';
import { type FieldError, formatPath, type PathSegment } from './field-errors';

/*
 * Rules for what any JSON value in a request may hold, whatever field it is in. They guard the
 * parts of the pipeline that are not field rules: the DynamoDB marshaller, SQS, JSON.stringify
 * and the providers' encoders. Every walk here is iterative, so no input can exhaust the stack.
 */

/** How deep any request body may nest: far beyond any real request, far below the stack. */
export const MAX_JSON_DEPTH = 64;

/** Errors one walk reports at most: a hostile body must not produce a hostile answer. */
const MAX_REPORTED = 20;

/**
 * Names every JavaScript object already has (`constructor`, `toString`, `__proto__`...). As keys
 * of a stored map they break the DynamoDB marshaller (which then sees a class instance) or turn
 * into a prototype on the way back, so maps that are stored as maps refuse them.
 */
export const RESERVED_OBJECT_KEYS: ReadonlySet<string> = new Set(
  Object.getOwnPropertyNames(Object.prototype),
);

export const RESERVED_KEY_MESSAGE = 'is a name every JavaScript object has and cannot be used';

/**
 * What SQS accepts in a message body (the XML 1.0 characters): #x9 #xA #xD #x20-#xD7FF
 * #xE000-#xFFFD #x10000-#x10FFFF. Lone surrogates match too (the `u` flag reads them as code points).
 */
const NOT_SQS_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** The first character SQS would refuse, as `U+FFFF`, or undefined when every one is fine. */
export function sqsRefusedCharacter(text: string): string | undefined {
  const match = NOT_SQS_CHARACTER.exec(text);
  if (!match) return undefined;
  const code = match[0].codePointAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A surrogate not part of a pair (with the `u` flag a pair reads as one astral code point). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether `text` is well-formed UTF-16, i.e. encodable as UTF-8. */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

export const LONE_SURROGATE_MESSAGE =
  'must be valid Unicode text (it contains a lone surrogate, which cannot be encoded as UTF-8)';

interface Pending {
  value: unknown;
  path: PathSegment[];
  depth: number;
}

/**
 * Checks a whole parsed body before any field rule sees it: no string or key holding a lone
 * surrogate (UTF-8 cannot carry it: topics, headers and provider APIs would fail later), no
 * `__proto__` key (the validator would silently drop it), nesting at most `maxDepth` levels.
 */
export function inspectBody(body: unknown, maxDepth = MAX_JSON_DEPTH): FieldError[] {
  const errors: FieldError[] = [];
  const stack: Pending[] = [{ value: body, path: [], depth: 0 }];
  while (stack.length > 0 && errors.length < MAX_REPORTED) {
    const { value, path, depth } = stack.pop() as Pending;
    if (typeof value === 'string') {
      if (!isWellFormedText(value))
        errors.push({ path: formatPath(path), message: LONE_SURROGATE_MESSAGE });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) {
      errors.push({
        path: formatPath(path),
        message: `must not be nested more than ${maxDepth} levels deep`,
      });
      continue;
    }
    const entries: [PathSegment, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : Object.entries(value);
    // Reversed so the errors come out in document order.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as [PathSegment, unknown];
      const at = [...path, key];
      if (typeof key === 'string' && !isWellFormedText(key)) {
        errors.push({ path: formatPath(at), message: `key ${LONE_SURROGATE_MESSAGE}` });
        continue;
      }
      if (key === '__proto__') {
        errors.push({ path: formatPath(at), message: `key ${RESERVED_KEY_MESSAGE}` });
        continue;
      }
      stack.push({ value: child, path: at, depth: depth + 1 });
    }
  }
  return errors;
}

/**
 * Within a free-form value stored as a DynamoDB map (Slack blocks): how deep it nests, measured
 * without recursion and giving up once past `limit`, and every key that is a reserved name.
 */
export function inspectStoredMap(
  value: unknown,
  path: readonly PathSegment[],
  limit: number,
): { tooDeep: boolean; reservedKeys: FieldError[] } {
  const reservedKeys: FieldError[] = [];
  let tooDeep = false;
  const stack: Pending[] = [{ value, path: [...path], depth: 0 }];
  while (stack.length > 0) {
    const current = stack.pop() as Pending;
    if (typeof current.value !== 'object' || current.value === null) continue;
    if (current.depth >= limit) {
      tooDeep = true;
      continue;
    }
    const entries: [PathSegment, unknown][] = Array.isArray(current.value)
      ? current.value.map((item, index) => [index, item])
      : Object.entries(current.value);
    for (const [key, child] of entries) {
      const at = [...current.path, key];
      if (typeof key === 'string' && RESERVED_OBJECT_KEYS.has(key)) {
        if (reservedKeys.length < MAX_REPORTED) {
          reservedKeys.push({ path: formatPath(at), message: `key ${RESERVED_KEY_MESSAGE}` });
        }
        continue;
      }
      stack.push({ value: child, path: at, depth: current.depth + 1 });
    }
  }
  return { tooDeep, reservedKeys };
}

/**
 * A recipient travels in the delivery's SQS message, and SQS refuses a body with certain
 * characters (U+FFFE, U+FFFF, most control characters, lone surrogates): the send would fail
 * with a 503 however often the client retried, so the request is refused here instead.
 */
export function carriedBySqs<S extends z.ZodMiniType<string>>(schema: S): S {
  return schema.check(
    z.superRefine((value: string, ctx) => {
      const refused = sqsRefusedCharacter(value);
      if (refused) {
        ctx.addIssue({
          code: 'custom',
          message: `must not contain the character ${refused} (SQS cannot carry it)`,
          input: value,
        });
      }
    }),
  );
}

/** A key of a map stored as a DynamoDB map: not a name every JavaScript object has. */
export const storedMapKey = z
  .string()
  .check(z.refine((key: string) => !RESERVED_OBJECT_KEYS.has(key), RESERVED_KEY_MESSAGE));
