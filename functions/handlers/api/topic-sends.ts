import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { DynamoFanoutStore } from '../../adapters/dynamodb/fanout-store';
import type { ValidationOptions } from '../../core/notifications/requests';
import { isPlainObject } from '../../core/notifications/requests/fields';
import { parseRecipientSend } from '../../core/recipients/send-request';
import { InvalidRequestError, UnprocessableRequestError } from '../../core/shared/errors';
import { type FieldError, validateAt } from '../../core/shared/field-errors';
import { renderedContentErrors, renderTemplateSend } from '../../core/templates/send';
import { topicKey } from '../../core/topics/model';
import { acceptTopicSend, cancelFanout, describeFanout } from '../../core/topics/send';
import { dynamo } from '../../runtime/aws-clients';
import { fanoutQueueOf, loadFanoutSettings } from '../../runtime/topic-fanout';
import { annotate } from '../../runtime/tracing';
import { config, logger, metrics, store } from './context';
import { notificationShape } from './shapes';
import { categoryOf, templateRenderDeps, topics } from './stores';

/*
 * `POST /v1/notifications {to: {topic}, channels, category?, priority?, metadata?}`: the channel
 * blocks carry content only, exactly as in a send to recipient ids (validated by the same
 * parser); the api records the notification and the fan-out and answers at once
 * (core/topics/send.ts); the fan-out function does the rest (handlers/fan-out.ts).
 */

const settings = loadFanoutSettings();
export const fanouts = new DynamoFanoutStore(dynamo, config.tableName);
const fanoutQueue = fanoutQueueOf(settings);
const expiresAt = (now: number) => Math.floor(now / 1000) + config.retentionDays * 24 * 3600;

/** True when `to` names a topic: this file's form. */
export function namesTopic(body: unknown): boolean {
  return isPlainObject(body) && isPlainObject(body.to) && 'topic' in body.to;
}

/** Validates a topic send, records it and queues its first page. */
export async function acceptTopic(tenantId: string, body: unknown, options: ValidationOptions) {
  const { to, ...rest } = body as { to: Record<string, unknown> } & Record<string, unknown>;
  const errors: FieldError[] = [];
  const topic = validateAt(topicKey, to.topic, ['to', 'topic'], errors);
  for (const key of Object.keys(to)) {
    if (key !== 'topic') errors.push({ path: `to.${key}`, message: 'is not a field of to' });
  }
  // The high lane is for the few sends that must overtake everything: an audience of any size
  // on it would be the backlog it exists to bypass.
  if (rest.priority === 'high') {
    errors.push({
      path: 'priority',
      message: 'must be normal for a topic send (the high lane is for single urgent sends)',
    });
  }
  // A template renders once, in the request's locale, before anything is checked or recorded
  // (per-recipient fields and locales need rendering in the fan-out: not built, so a template
  // that uses `recipient.*` is a 422 for a missing variable here).
  const content =
    'template' in rest && errors.length === 0
      ? (await renderTemplateSend(templateRenderDeps, tenantId, rest)).body
      : rest;
  // The content rules of a send to recipient ids, with one stand-in id for the audience.
  const parsed = parseRecipientSend({ ...content, to: ['topic-audience'] }, options);
  if (!parsed.ok) {
    const fromTemplate = content !== rest && renderedContentErrors(parsed.errors);
    if (fromTemplate) throw new UnprocessableRequestError(fromTemplate);
    errors.push(...parsed.errors);
  }
  if (!settings.queueUrl) {
    errors.push({ path: 'to.topic', message: 'this deployment has no fan-out queue' });
  }
  if (errors.length > 0 || !parsed.ok || !topic) throw new InvalidRequestError(errors);
  const { category } = parsed.value;
  if (category) await categoryOf(tenantId, category);
  const id = randomUUID();
  logger.setCorrelationId(id);
  annotate({ notificationId: id });
  const accepted = await acceptTopicSend(
    {
      store,
      topics,
      fanouts,
      fanoutQueue,
      stallAfterMs: settings.stallAfterMs,
      expiresAt,
      reconcileAfterSeconds: config.reconcileAfterSeconds,
      onQueueFailure: (error) =>
        logger.error('first fan-out page not queued: the reconciler will send it', { error }),
    },
    { topic: topic.value, request: parsed.value.request, ...(category && { category }) },
    { id, tenantId, now: Date.now() },
  );
  metrics.addMetric('NotificationsAccepted', MetricUnit.Count, 1);
  metrics.addMetric('TopicSendsAccepted', MetricUnit.Count, 1);
  logger.info('topic send accepted', { id, topic: topic.value });
  return accepted;
}

/** GET /v1/notifications/{id}'s query: a page of a topic send's deliveries. */
export const deliveriesQuery = z.strictObject({
  cursor: z.optional(
    z.string().check(z.maxLength(2048), z.describe("a topic send's nextCursor: the next page")),
  ),
  limit: z.optional(
    z.pipe(
      z
        .string()
        .check(
          z.regex(/^\d{1,4}$/, 'must be a whole number from 1 to 1000'),
          z.describe('deliveries of a topic send listed (1-1000, default 1000)'),
        ),
      z.transform(Number),
    ),
  ),
});

/**
 * GET /v1/notifications/{id} of a topic send (progress, a page of deliveries); undefined
 * otherwise. The query is checked first: a malformed one is a 400 whatever the notification, and
 * a cursor for a notification that is not a topic send (which lists every delivery at once) too.
 */
export async function describeTopicSend(
  id: string,
  tenantId: string,
  query: Record<string, string | undefined> | null,
) {
  const errors: FieldError[] = [];
  const q = query ?? {};
  const parsed = validateAt(
    deliveriesQuery,
    {
      ...(q.cursor !== undefined && { cursor: q.cursor }),
      ...(q.limit !== undefined && { limit: q.limit }),
    },
    [],
    errors,
  );
  if (!parsed) throw new InvalidRequestError(errors);
  const { cursor, limit } = parsed.value;
  if (limit !== undefined && (limit < 1 || limit > 1000)) {
    throw new InvalidRequestError([{ path: 'limit', message: 'must be from 1 to 1000' }]);
  }
  const described = await describeFanout(fanouts, id, tenantId, {
    ...(cursor !== undefined && { cursor }),
    ...(limit !== undefined && { limit }),
  });
  if (!described && cursor !== undefined) {
    throw new InvalidRequestError([
      { path: 'cursor', message: 'is not a cursor this list gave out' },
    ]);
  }
  return described;
}

/** DELETE /v1/notifications/{id} of a topic send still fanning out; undefined otherwise. */
export const cancelTopicSend = (id: string, tenantId: string, now: number) =>
  cancelFanout({ store, fanouts }, id, tenantId, now);

/** A topic send's progress, as GET /v1/notifications/{id} and the 202 show it. */
export const fanoutShape = z.strictObject({
  topic: z.string(),
  status: z.enum(['running', 'done', 'cancelled']),
  total: z.int().check(z.minimum(0), z.describe('subscribers handled so far')),
  enqueued: z.int().check(z.minimum(0), z.describe('deliveries put on a channel queue')),
  skipped: z.int().check(z.minimum(0), z.describe('deliveries recorded skipped, with a reason')),
  done: z.boolean(),
  listed: z.optional(
    z.int().check(z.minimum(0), z.describe('deliveries listed in this answer (up to limit)')),
  ),
  more: z.optional(z.boolean().check(z.describe('more deliveries than listed'))),
});

/** GET /v1/notifications/{id}: a notification, or a topic send with its progress and cursor. */
export const describedShape = z.union([
  notificationShape,
  z.extend(notificationShape, { fanout: fanoutShape, nextCursor: z.optional(z.string()) }),
]);

export const topicAcceptedShape = z.strictObject({
  id: z.string(),
  status: z.enum(['accepted', 'scheduled']),
  deliveries: z.literal(0).check(z.describe('created by the fan-out: see fanout')),
  fanout: fanoutShape,
});

export const fanoutCancelledShape = z.strictObject({
  id: z.string(),
  cancelled: z.int().check(z.minimum(0)),
  deliveries: z.array(
    z.strictObject({ id: z.string(), channel: z.string(), status: z.literal('cancelled') }),
  ),
  fanout: fanoutShape,
});

/** The document: `to: {topic}` with content-only channel blocks. */
export const topicSendSchema = z.strictObject({
  to: z
    .strictObject({ topic: topicKey })
    .check(
      z.describe(
        "a topic's subscribers (PUT /v1/topics/{key}): answered at once, fanned out afterwards; GET shows fanout progress",
      ),
    ),
  category: z.optional(z.string()),
  channels: z.union([
    z.record(z.string(), z.record(z.string(), z.unknown())),
    z.array(z.string()).check(z.describe('with template: the channels to render')),
  ]),
  template: z.optional(
    z
      .record(z.string(), z.unknown())
      .check(z.describe('{key, version?}: rendered once, in `locale` (no recipient fields)')),
  ),
  data: z.optional(z.record(z.string(), z.unknown())),
  locale: z.optional(z.string()),
  sendAt: z.optional(z.string().check(z.describe('the fan-out starts then'))),
  priority: z.optional(z.literal('normal').check(z.describe('topic sends use the normal lane'))),
  metadata: z.optional(z.record(z.string(), z.string())),
});
