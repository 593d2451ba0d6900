export type { FieldError } from '../../shared/field-errors';
export type { ValidationOptions, ValidationResult } from './options';

import { inspectBody } from '../../shared/json-safety';
import { parseDispatchRequest as parseDispatchFields } from './dispatch-request';
import type { ValidationOptions, ValidationResult } from './options';
import { withinStorageLimits } from './storage-limits';
import { parseV1Request as parseV1Fields } from './v1-request';

export { MAX_JSON_DEPTH, RESERVED_OBJECT_KEYS } from '../../shared/json-safety';
export * from './limits';
export { MAX_NOTIFICATION_CONTENT_BYTES } from './storage-limits';

/** `POST /v1/notifications`: every field rule, then what the whole notification may hold. */
export function parseV1Request(body: unknown, options: ValidationOptions): ValidationResult {
  const unsafe = inspectBody(body);
  if (unsafe.length > 0) return { ok: false, errors: unsafe };
  return withinStorageLimits(parseV1Fields(body, options), 'channels');
}

/** `POST /notification/dispatch`, the replaced service's shape, with the same limits. */
export function parseDispatchRequest(body: unknown, options: ValidationOptions): ValidationResult {
  const unsafe = inspectBody(body);
  if (unsafe.length > 0) return { ok: false, errors: unsafe };
  return withinStorageLimits(parseDispatchFields(body, options), '');
}
