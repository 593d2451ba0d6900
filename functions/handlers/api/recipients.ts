import * as z from 'zod/mini';
import {
  type BatchResult,
  eraseProfile,
  upsertMany,
  writeProfile,
} from '../../core/recipients/manage';
import {
  inspectRequestBody,
  parseProfileWithId,
  parseRecipientQuery,
  profilePatchSchema,
  profileSchema,
  profileWithIdSchema,
  recipientQuerySchema,
  requirePatch,
  requireProfile,
  requireRecipientId,
} from '../../core/recipients/validation';
import { InvalidRequestError, NotFoundError } from '../../core/shared/errors';
import type { FieldError } from '../../core/shared/field-errors';
import { unsubscribeEverywhere } from '../../core/topics/manage';
import { json, parseJsonBody } from '../../runtime/http';
import { errorSchema } from '../../runtime/openapi';
import { type ApiRoute, config, pathParameter, suppressions, tenantOf } from './context';
import {
  batchAnswerShape,
  presentProfile,
  profilePageShape,
  profileShape,
} from './recipient-shapes';
import { recipients, topics } from './stores';

/** The tenant's recipient profiles (key design: adapters/dynamodb/recipient-keys.ts). */
/** POST /v1/recipients/batch takes at most this many upserts. */
export const MAX_BATCH_UPSERTS = 1_000;

const batchBodySchema = z.strictObject({
  items: z.array(profileWithIdSchema).check(z.minLength(1), z.maxLength(MAX_BATCH_UPSERTS)),
});

const idOf = (event: Parameters<ApiRoute['handler']>[0]) =>
  requireRecipientId(pathParameter(event, 'id', 'Recipient'));

const tag = 'recipients';
const profileAnswer = { description: 'The profile', schema: profileShape };

export const recipientRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/recipients',
    access: 'read',
    doc: {
      summary: "The tenant's recipients, by id; or those an id, email or phone prefix matches",
      tag,
      query: recipientQuerySchema,
      responses: { 200: { description: 'A page', schema: profilePageShape } },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const page = await recipients.list(
        tenantId,
        parseRecipientQuery(event.queryStringParameters),
      );
      return json(200, {
        items: page.items.map(presentProfile),
        ...(page.nextCursor && { nextCursor: page.nextCursor }),
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/recipients/{id}',
    access: 'read',
    doc: { summary: 'One recipient profile', tag, responses: { 200: profileAnswer } },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const id = idOf(event);
      const profile = await recipients.get(tenantId, id);
      if (!profile) throw new NotFoundError(`Recipient ${id} not found`);
      return json(200, presentProfile(profile));
    },
  },
  {
    method: 'PUT',
    path: '/v1/recipients/{id}',
    access: 'send',
    doc: {
      summary: 'Create or replace a recipient profile',
      description:
        'Fields left out are removed. What Herald knows about an address the profile already had (bounced, unsubscribed, ...) is kept; new addresses start ok. A profile is at most 4 KB stored.',
      tag,
      body: profileSchema,
      responses: {
        201: { description: 'Created', schema: profileShape },
        200: { description: 'Replaced', schema: profileShape },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const id = idOf(event);
      const input = requireProfile(parseJsonBody(event, config.maxBodyBytes));
      const { profile, created } = await writeProfile(
        recipients,
        tenantId,
        id,
        { replace: input },
        { suppressions },
      );
      return json(created ? 201 : 200, presentProfile(profile));
    },
  },
  {
    method: 'PATCH',
    path: '/v1/recipients/{id}',
    access: 'send',
    doc: {
      summary: 'Change some fields of a recipient profile',
      description: 'Each field given replaces that field; null removes it.',
      tag,
      body: profilePatchSchema,
      responses: { 200: profileAnswer },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const id = idOf(event);
      const patch = requirePatch(parseJsonBody(event, config.maxBodyBytes));
      const { profile } = await writeProfile(
        recipients,
        tenantId,
        id,
        { merge: patch },
        { mustExist: true, suppressions },
      );
      return json(200, presentProfile(profile));
    },
  },
  {
    method: 'DELETE',
    path: '/v1/recipients/{id}',
    access: 'admin',
    doc: {
      summary: 'Erase a recipient',
      description:
        'Removes the profile, its addresses and preferences, and unsubscribes it from every topic. Deliveries already recorded keep their masked recipient.',
      tag,
      responses: {
        204: { description: 'Erased', schema: null },
        404: { description: 'No such recipient', schema: errorSchema },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const id = idOf(event);
      // Out of every topic first (issue 21): an erase retried after a failure still finds the
      // memberships, and a topic send never reaches an erased recipient.
      await unsubscribeEverywhere(topics, tenantId, id);
      await eraseProfile(recipients, tenantId, id);
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    },
  },
  {
    method: 'POST',
    path: '/v1/recipients/batch',
    access: 'send',
    doc: {
      summary: `Create or update up to ${MAX_BATCH_UPSERTS} recipients`,
      description:
        'Each item is merged into its profile (fields given replace, others stay). Results per item, in request order; an invalid item fails alone.',
      tag,
      body: batchBodySchema,
      responses: { 200: { description: 'Per-item results', schema: batchAnswerShape } },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const body = parseJsonBody(event, config.maxBodyBytes);
      inspectRequestBody(body);
      const items = parseBatchItems(body);
      const valid = items.flatMap((i) => ('input' in i ? [i.input] : []));
      const written = await upsertMany(recipients, tenantId, valid, { suppressions });
      const byAt = new Map(written.map((r, n) => [valid[n]?.at, r]));
      const results: BatchResult[] = items.map((i) =>
        'input' in i ? (byAt.get(i.input.at) as BatchResult) : i.error,
      );
      const count = (s: string) => results.filter((r) => r.status === s).length;
      return json(200, {
        results,
        created: count('created'),
        updated: count('updated'),
        failed: count('error'),
      });
    },
  },
];

type ParsedItem =
  | { input: { id: string; input: Omit<z.output<typeof profileWithIdSchema>, 'id'>; at: string } }
  | { error: BatchResult };

/** `{ items: [...] }`: the envelope must be right; each item is checked on its own. */
function parseBatchItems(body: unknown): ParsedItem[] {
  const list = (body as { items?: unknown } | null)?.items;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Array.isArray(list)) {
    throw new InvalidRequestError([{ path: 'items', message: 'must be an array of profiles' }]);
  }
  const extra = Object.keys(body).filter((k) => k !== 'items');
  if (extra.length > 0) {
    throw new InvalidRequestError(extra.map((k) => ({ path: k, message: 'unknown field' })));
  }
  if (list.length < 1 || list.length > MAX_BATCH_UPSERTS) {
    throw new InvalidRequestError([
      { path: 'items', message: `must have 1 to ${MAX_BATCH_UPSERTS} items` },
    ]);
  }
  return list.map((item, n): ParsedItem => {
    const errors: FieldError[] = [];
    const parsed = parseProfileWithId(item, ['items', n], errors);
    const at = `items[${n}]`;
    if (!parsed) {
      const rawId = (item as { id?: unknown } | null)?.id;
      return {
        error: { id: typeof rawId === 'string' ? rawId : '', status: 'error', errors },
      };
    }
    const { id, ...input } = parsed;
    return { input: { id, input, at } };
  });
}
