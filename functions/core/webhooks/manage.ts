import { randomBytes, randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { DEFAULT_WEBHOOK_EVENTS, EVENT_TYPES, type EventType, eventId } from '../events/model';
import { ConflictError, InvalidRequestError, NotFoundError } from '../shared/errors';
import type { FieldError } from '../shared/field-errors';
import { validateAt } from '../shared/field-errors';
import { SECRET_ROTATION_OVERLAP_MS, type WebhookRecord } from './model';
import type { UrlGuard, WebhookQueue, WebhookRepository } from './ports';

export interface ManageWebhookDependencies {
  webhooks: WebhookRepository;
  queue: WebhookQueue;
  guard: UrlGuard;
  now?: () => number;
}

/** Attempts shown by GET /v1/webhooks/{id}. */
export const RECENT_ATTEMPTS = 20;

const createSchema = z.strictObject({
  url: z.string().check(z.minLength(1), z.maxLength(2048)),
  events: z.optional(
    z.array(z.enum(EVENT_TYPES)).check(
      z.minLength(1),
      z.maxLength(EVENT_TYPES.length),
      z.refine((types: string[]) => new Set(types).size === types.length, 'must not repeat a type'),
    ),
  ),
  description: z.optional(z.string().check(z.maxLength(256))),
});

const patchSchema = z.strictObject({ enabled: z.boolean() });

/** `whsec_` + 24 random bytes, base64: the Standard Webhooks secret format. */
export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

function parse<S extends z.ZodMiniType>(schema: S, body: unknown): z.output<S> {
  const errors: FieldError[] = [];
  const parsed = validateAt(schema, body, [], errors);
  if (!parsed) throw new InvalidRequestError(errors);
  return parsed.value;
}

/** A webhook as the API shows it: never a secret. */
export function presentWebhook(w: WebhookRecord) {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    ...(w.description !== undefined && { description: w.description }),
    enabled: w.enabled,
    ...(w.disabledReason !== undefined && { disabledReason: w.disabledReason }),
    ...(w.disabledAt !== undefined && { disabledAt: w.disabledAt }),
    ...(w.failingSince !== undefined && { failingSince: new Date(w.failingSince).toISOString() }),
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
  };
}

/** POST /v1/webhooks: the secret is in this answer and never again. */
export async function createWebhook(
  deps: ManageWebhookDependencies,
  tenantId: string,
  body: unknown,
) {
  const input = parse(createSchema, body);
  const refused = await deps.guard.check(input.url);
  if (refused) throw new InvalidRequestError([{ path: 'url', message: refused }]);
  const now = new Date((deps.now ?? Date.now)()).toISOString();
  const webhook: WebhookRecord = {
    id: `wh_${randomUUID().replaceAll('-', '')}`,
    tenantId,
    url: input.url,
    events: (input.events ?? [...DEFAULT_WEBHOOK_EVENTS]) as EventType[],
    enabled: true,
    createdAt: now,
    updatedAt: now,
    secret: newSecret(),
  };
  if (input.description !== undefined) webhook.description = input.description;
  await deps.webhooks.create(webhook);
  return { ...presentWebhook(webhook), secret: webhook.secret };
}

async function owned(deps: ManageWebhookDependencies, tenantId: string, id: string) {
  const webhook = await deps.webhooks.get(tenantId, id);
  // Another tenant's webhook is looked up under this tenant's key: it is simply not there.
  if (!webhook) throw new NotFoundError(`Webhook ${id} not found`);
  return webhook;
}

export async function listWebhooks(deps: ManageWebhookDependencies, tenantId: string) {
  // The list answer has the shape of every list in the API (`items`); there is never a next page.
  return { items: (await deps.webhooks.list(tenantId)).map(presentWebhook) };
}

export async function describeWebhook(
  deps: ManageWebhookDependencies,
  tenantId: string,
  id: string,
) {
  const webhook = await owned(deps, tenantId, id);
  const recentAttempts = await deps.webhooks.recentAttempts(id, RECENT_ATTEMPTS);
  return { ...presentWebhook(webhook), recentAttempts };
}

export async function deleteWebhook(deps: ManageWebhookDependencies, tenantId: string, id: string) {
  if (!(await deps.webhooks.delete(tenantId, id)))
    throw new NotFoundError(`Webhook ${id} not found`);
}

/** PATCH {enabled}: enabling again starts with a clean slate (no failure streak). */
export async function setWebhookEnabled(
  deps: ManageWebhookDependencies,
  tenantId: string,
  id: string,
  body: unknown,
) {
  const { enabled } = parse(patchSchema, body);
  await owned(deps, tenantId, id);
  const updatedAt = new Date((deps.now ?? Date.now)()).toISOString();
  const remove = enabled
    ? (['failingSince', 'disabledReason', 'disabledAt'] as const)
    : (['disabledReason'] as const);
  const set = enabled ? { enabled, updatedAt } : { enabled, updatedAt, disabledAt: updatedAt };
  if (!(await deps.webhooks.update(tenantId, id, set, [...remove]))) {
    throw new NotFoundError(`Webhook ${id} not found`);
  }
  return presentWebhook(await owned(deps, tenantId, id));
}

/** A new secret; the previous one keeps signing for a day so receivers can switch over. */
export async function rotateWebhookSecret(
  deps: ManageWebhookDependencies,
  tenantId: string,
  id: string,
) {
  const webhook = await owned(deps, tenantId, id);
  const now = (deps.now ?? Date.now)();
  const secret = newSecret();
  const changed = await deps.webhooks.update(tenantId, id, {
    secret,
    previousSecret: webhook.secret,
    previousSecretExpiresAt: now + SECRET_ROTATION_OVERLAP_MS,
    updatedAt: new Date(now).toISOString(),
  });
  if (!changed) throw new NotFoundError(`Webhook ${id} not found`);
  return {
    id,
    secret,
    previousSecretExpiresAt: new Date(now + SECRET_ROTATION_OVERLAP_MS).toISOString(),
  };
}

/** POST /v1/webhooks/{id}/test: a `webhook.test` event through the normal sending path. */
export async function testWebhook(deps: ManageWebhookDependencies, tenantId: string, id: string) {
  const webhook = await owned(deps, tenantId, id);
  if (!webhook.enabled) throw new ConflictError(`Webhook ${id} is disabled`);
  const occurredAt = new Date((deps.now ?? Date.now)()).toISOString();
  const event = {
    id: eventId(id, 'test', occurredAt, randomUUID()),
    type: 'webhook.test' as const,
    occurredAt,
    tenantId,
    webhookId: id,
  };
  await deps.queue.enqueue([{ v: 1, tenantId, webhookId: id, event, attempt: 1 }]);
  return { eventId: event.id };
}
