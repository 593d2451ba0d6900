import * as z from 'zod/mini';
import { InvalidRequestError } from '../../core/shared/errors';
import { type FieldError, validateAt } from '../../core/shared/field-errors';
import {
  parseTopicKey,
  putTopic,
  requireTopic,
  subscribe,
  unsubscribe,
} from '../../core/topics/manage';
import { MAX_SUBSCRIBE_IDS, topicName } from '../../core/topics/model';
import { json, parseJsonBody } from '../../runtime/http';
import { errorSchema } from '../../runtime/openapi';
import { type ApiRoute, config, pathParameter, tenantOf } from './context';
import { recipients, topics } from './stores';

const tag = 'topics';
const instant = z.iso.datetime({ offset: true });
const topicShape = z.strictObject({
  key: z.string(),
  name: z.optional(z.string()),
  createdAt: instant,
  updatedAt: instant,
});
const topicBody = z.strictObject({ name: z.optional(topicName) });
const subscribeBody = z.strictObject({
  ids: z
    .array(z.string())
    .check(
      z.minLength(1),
      z.maxLength(MAX_SUBSCRIBE_IDS),
      z.describe('recipient ids (PUT /v1/recipients/{id}); each is answered alone'),
    ),
});
const subscribeResults = z.strictObject({
  results: z.array(
    z.strictObject({
      id: z.string(),
      status: z.enum(['subscribed', 'error']),
      errors: z.optional(z.array(z.strictObject({ path: z.string(), message: z.string() }))),
    }),
  ),
});
const listQuery = z.strictObject({
  cursor: z.optional(z.string().check(z.maxLength(2048))),
  limit: z.optional(
    z.pipe(
      z.string().check(z.regex(/^\d{1,4}$/, 'must be a whole number from 1 to 1000')),
      z.transform(Number),
    ),
  ),
});

type Event = Parameters<ApiRoute['handler']>[0];

function keyOf(event: Event): string {
  return parseTopicKey(pathParameter(event, 'key', 'Topic'));
}

function pageQuery(event: Event): { cursor?: string; limit: number } {
  const errors: FieldError[] = [];
  const q = event.queryStringParameters ?? {};
  const parsed = validateAt(
    listQuery,
    {
      ...(q.cursor ? { cursor: q.cursor } : {}),
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
    },
    [],
    errors,
  );
  if (!parsed) throw new InvalidRequestError(errors);
  const limit = parsed.value.limit ?? 100;
  if (limit < 1 || limit > 1000) {
    throw new InvalidRequestError([{ path: 'limit', message: 'must be from 1 to 1000' }]);
  }
  return { ...(parsed.value.cursor && { cursor: parsed.value.cursor }), limit };
}

function presentTopic(topic: { key: string; name?: string; createdAt: string; updatedAt: string }) {
  const { key, name, createdAt, updatedAt } = topic;
  return { key, ...(name !== undefined && { name }), createdAt, updatedAt };
}

/** Topics: named audiences of recipient ids (POST /v1/notifications `to: {topic}` fans out to them). */
export const topicRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/topics',
    access: 'read',
    doc: {
      summary: "The tenant's topics",
      tag,
      query: listQuery,
      responses: {
        200: {
          description: 'A page of topics, in key order',
          schema: z.strictObject({
            items: z.array(topicShape),
            nextCursor: z.optional(z.string()),
          }),
        },
      },
    },
    handler: async (event) => {
      const page = await topics.listTopics(tenantOf(event), pageQuery(event));
      return json(200, { ...page, items: page.items.map(presentTopic) });
    },
  },
  {
    method: 'PUT',
    path: '/v1/topics/{key}',
    access: 'admin',
    doc: {
      summary: 'Create a topic or rename it',
      description:
        'Key: 1-64 characters, letters, digits and _ . - (400 otherwise). Subscribers are kept when it is renamed.',
      tag,
      body: topicBody,
      responses: {
        201: { description: 'Created', schema: topicShape },
        200: { description: 'Renamed', schema: topicShape },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const key = keyOf(event);
      const body = parseJsonBody(event, config.maxBodyBytes) ?? {};
      const errors: FieldError[] = [];
      const input = validateAt(topicBody, body, [], errors);
      if (!input) throw new InvalidRequestError(errors);
      const { name } = input.value;
      const now = new Date().toISOString();
      const result = await putTopic(topics, tenantId, key, name === undefined ? {} : { name }, now);
      return json(result.created ? 201 : 200, presentTopic(result.topic));
    },
  },
  {
    method: 'POST',
    path: '/v1/topics/{key}/subscribers',
    access: 'send',
    doc: {
      summary: `Subscribe up to ${MAX_SUBSCRIBE_IDS} recipients`,
      description:
        'Idempotent. Each id is answered alone: an id that is not a recipient (or breaks the id rules) is an error row, the others are subscribed. 404 if the topic does not exist.',
      tag,
      body: subscribeBody,
      responses: {
        200: { description: 'One result per id', schema: subscribeResults },
        404: { description: 'No such topic', schema: errorSchema },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const key = keyOf(event);
      const body = parseJsonBody(event, config.maxBodyBytes) as { ids?: unknown } | undefined;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new InvalidRequestError([{ path: '', message: 'must be an object { ids: [...] }' }]);
      }
      const extra = Object.keys(body).filter((k) => k !== 'ids');
      if (extra.length > 0) {
        throw new InvalidRequestError(extra.map((k) => ({ path: k, message: 'is not a field' })));
      }
      const now = new Date().toISOString();
      const results = await subscribe({ topics, recipients }, tenantId, key, body.ids, now);
      return json(200, { results });
    },
  },
  {
    method: 'GET',
    path: '/v1/topics/{key}/subscribers',
    access: 'read',
    doc: {
      summary: 'A page of subscriber ids',
      tag,
      query: listQuery,
      responses: {
        200: {
          description: 'Subscriber ids (order: stable, not alphabetical)',
          schema: z.strictObject({
            items: z.array(z.string()),
            nextCursor: z.optional(z.string()),
          }),
        },
        404: { description: 'No such topic', schema: errorSchema },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const key = keyOf(event);
      await requireTopic(topics, tenantId, key);
      return json(200, await topics.subscribers(tenantId, key, pageQuery(event)));
    },
  },
  {
    method: 'DELETE',
    path: '/v1/topics/{key}/subscribers/{id}',
    access: 'send',
    doc: {
      summary: 'Unsubscribe a recipient',
      tag,
      responses: {
        204: { description: 'Unsubscribed', schema: null },
        404: { description: 'Not subscribed', schema: errorSchema },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const key = keyOf(event);
      await unsubscribe(topics, tenantId, key, pathParameter(event, 'id', 'Subscriber'));
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    },
  },
];
