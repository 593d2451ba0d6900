import * as z from 'zod/mini';
import {
  categoryBodySchema,
  MAX_CATEGORIES,
  requireCategory,
} from '../../core/recipients/categories';
import { categoryKey } from '../../core/recipients/validation';
import { ConflictError, InvalidRequestError, NotFoundError } from '../../core/shared/errors';
import { type FieldError, validateAt } from '../../core/shared/field-errors';
import { CHANNELS } from '../../core/shared/vocabulary';
import { json, parseJsonBody } from '../../runtime/http';
import { errorSchema } from '../../runtime/openapi';
import { type ApiRoute, config, pathParameter, tenantOf } from './context';
import { categories } from './stores';

const categoryShape = z.strictObject({
  key: z.string(),
  name: z.string(),
  description: z.optional(z.string()),
  critical: z.boolean(),
  defaults: z.partialRecord(z.enum(CHANNELS), z.boolean()),
  updatedAt: z.iso.datetime({ offset: true }),
});

function keyOf(event: Parameters<ApiRoute['handler']>[0]): string {
  const errors: FieldError[] = [];
  const key = validateAt(categoryKey, pathParameter(event, 'key', 'Category'), ['key'], errors);
  if (!key) throw new InvalidRequestError(errors);
  return key.value;
}

const tag = 'recipients';

/** The tenant's categories: what its messages are about, and which channels each uses. */
export const categoryRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/categories',
    access: 'read',
    doc: {
      summary: "The tenant's categories",
      tag,
      responses: {
        200: {
          description: 'Every category',
          schema: z.strictObject({ items: z.array(categoryShape) }),
        },
      },
    },
    handler: async (event) => json(200, { items: await categories.list(tenantOf(event)) }),
  },
  {
    method: 'PUT',
    path: '/v1/categories/{key}',
    access: 'admin',
    doc: {
      summary: 'Create or replace a category',
      description: `At most ${MAX_CATEGORIES} per tenant. A send naming the category applies its defaults and the recipients' preferences; a critical one is sent despite opt-outs, never to a dead address.`,
      tag,
      body: categoryBodySchema,
      responses: {
        201: { description: 'Created', schema: categoryShape },
        200: { description: 'Replaced', schema: categoryShape },
        409: { description: `The tenant has ${MAX_CATEGORIES} categories`, schema: errorSchema },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const key = keyOf(event);
      const category = requireCategory(
        key,
        parseJsonBody(event, config.maxBodyBytes),
        new Date().toISOString(),
      );
      const existing = await categories.list(tenantId);
      if (existing.length >= MAX_CATEGORIES && !existing.some((c) => c.key === key)) {
        throw new ConflictError(`A tenant has at most ${MAX_CATEGORIES} categories`);
      }
      const { created } = await categories.put(tenantId, category);
      return json(created ? 201 : 200, category);
    },
  },
  {
    method: 'GET',
    path: '/v1/categories/{key}',
    access: 'read',
    doc: {
      summary: 'One category',
      tag,
      responses: { 200: { description: 'It', schema: categoryShape } },
    },
    handler: async (event) => {
      const key = keyOf(event);
      const category = await categories.get(tenantOf(event), key);
      if (!category) throw new NotFoundError(`Category ${key} not found`);
      return json(200, category);
    },
  },
  {
    method: 'DELETE',
    path: '/v1/categories/{key}',
    access: 'admin',
    doc: {
      summary: 'Delete a category',
      description: 'Sends naming it are refused from then on; preferences naming it stay, unused.',
      tag,
      responses: {
        204: { description: 'Deleted', schema: null },
        404: { description: 'No such category', schema: errorSchema },
      },
    },
    handler: async (event) => {
      const key = keyOf(event);
      if (!(await categories.delete(tenantOf(event), key))) {
        throw new NotFoundError(`Category ${key} not found`);
      }
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    },
  },
];
