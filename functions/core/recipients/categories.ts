import * as z from 'zod/mini';
import { InvalidRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import { CHANNELS } from '../shared/vocabulary';
import type { Category } from './preferences';
import { inspectRequestBody } from './validation';

/** A tenant's categories (adapters/dynamodb/category-store.ts). */
export interface CategoryStore {
  /** Eventually consistent: a category changed a second ago may still read as before. */
  get(tenantId: string, key: string): Promise<Category | undefined>;
  put(tenantId: string, category: Category): Promise<{ created: boolean }>;
  list(tenantId: string): Promise<Category[]>;
  delete(tenantId: string, key: string): Promise<boolean>;
}

/** A tenant has at most this many categories (they are listed whole on the preference page). */
export const MAX_CATEGORIES = 50;

export const categoryBodySchema = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(100)),
  description: z.optional(z.string().check(z.maxLength(500))),
  critical: z
    .optional(z.boolean())
    .check(
      z.describe('security codes, password resets: sent despite opt-outs, never to a dead address'),
    ),
  defaults: z
    .optional(z.partialRecord(z.enum(CHANNELS), z.boolean()))
    .check(
      z.describe('channels the category uses when the recipient has said nothing; absent: all'),
    ),
});

/** PUT /v1/categories/{key} body. */
export function requireCategory(key: string, body: unknown, now: string): Category {
  inspectRequestBody(body);
  const errors: FieldError[] = [];
  const parsed = validateAt(categoryBodySchema, body, [], errors);
  if (!parsed) throw new InvalidRequestError(errors);
  const { name, description, critical, defaults } = parsed.value;
  return {
    key,
    name,
    ...(description !== undefined && { description }),
    critical: critical ?? false,
    defaults: defaults ?? {},
    updatedAt: now,
  };
}
