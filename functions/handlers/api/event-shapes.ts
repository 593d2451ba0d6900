import * as z from 'zod/mini';
import { DELIVERY_EVENT_TYPES, EVENT_TYPES } from '../../core/events/model';
import { CHANNELS, DELIVERY_STATUSES } from '../../core/notifications/model';
import { AGGREGATE_STATUSES } from '../../core/notifications/requests/list-query';

/*
 * The public event contract (functions/core/events.ts, docs/architecture.md "Events") and the
 * webhook routes' answers, as zod schemas for the OpenAPI document.
 */

const instant = z.iso.datetime({ offset: true });
const metadata = z
  .record(z.string(), z.string())
  .check(z.describe('the notification’s own metadata'));
const eventId = z
  .string()
  .check(z.describe('stable per change: the same change always has this id'));
const count = (min: number) => z.number().check(z.int(), z.minimum(min));

export const deliveryEventShape = z.strictObject({
  id: eventId,
  type: z.enum(DELIVERY_EVENT_TYPES),
  occurredAt: instant,
  tenantId: z.string(),
  notificationId: z.string(),
  deliveryId: z.string(),
  channel: z.enum(CHANNELS),
  recipient: z
    .string()
    .check(z.describe('as sent (events go to the tenant’s own endpoints and topic)')),
  recipientId: z.optional(
    z.string().check(z.describe('the recipient profile id, when the delivery was sent to one')),
  ),
  template: z.optional(
    z
      .strictObject({ key: z.string(), version: count(1) })
      .check(z.describe('the template and version the content was rendered from')),
  ),
  status: z.enum(DELIVERY_STATUSES),
  attempts: count(0),
  version: count(1).check(z.describe('orders the events of one delivery')),
  providerMessageId: z.optional(z.string()),
  error: z.optional(z.string()),
  metadata,
});

export const notificationCompletedShape = z.strictObject({
  id: eventId,
  type: z.literal('notification.completed'),
  occurredAt: instant,
  tenantId: z.string(),
  notificationId: z.string(),
  status: z.enum(AGGREGATE_STATUSES),
  counts: z.partialRecord(z.enum(DELIVERY_STATUSES), count(0)),
  deliveries: count(1),
  metadata,
});

export const webhookDisabledShape = z.strictObject({
  id: eventId,
  type: z.literal('webhook.disabled'),
  occurredAt: instant,
  tenantId: z.string(),
  webhookId: z.string(),
  url: z.string(),
  reason: z.string(),
});

export const webhookTestShape = z.strictObject({
  id: eventId,
  type: z.literal('webhook.test'),
  occurredAt: instant,
  tenantId: z.string(),
  webhookId: z.string(),
});

export const createWebhookBody = z.strictObject({
  url: z.string().check(z.maxLength(2048), z.describe('https, public address (deployed)')),
  events: z
    .optional(z.array(z.enum(EVENT_TYPES)).check(z.minLength(1)))
    .check(z.describe('default: every final outcome and notification.completed')),
  description: z.optional(z.string().check(z.maxLength(256))),
});

export const patchWebhookBody = z.strictObject({ enabled: z.boolean() });

export const webhookShape = z.strictObject({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(EVENT_TYPES)),
  description: z.optional(z.string()),
  enabled: z.boolean(),
  disabledReason: z.optional(z.string()),
  disabledAt: z.optional(instant),
  failingSince: z.optional(instant),
  createdAt: instant,
  updatedAt: instant,
});

export const createdWebhookShape = z.extend(webhookShape, {
  secret: z.string().check(z.describe('whsec_…: shown only in this answer')),
});

export const webhookListShape = z.strictObject({ items: z.array(webhookShape) });

export const webhookDetailShape = z.extend(webhookShape, {
  recentAttempts: z
    .array(
      z.strictObject({
        at: instant,
        eventId: z.string(),
        type: z.enum(EVENT_TYPES),
        attempt: count(1),
        outcome: z.enum(['delivered', 'failed', 'gone', 'refused']),
        statusCode: z.optional(z.number().check(z.int())),
        durationMs: z.number().check(z.minimum(0)),
        error: z.optional(z.string()),
        response: z.optional(z.string().check(z.maxLength(256))),
      }),
    )
    .check(z.describe('the 20 latest attempts, newest first')),
});

export const rotatedSecretShape = z.strictObject({
  id: z.string(),
  secret: z.string(),
  previousSecretExpiresAt: instant,
});

export const testQueuedShape = z.strictObject({ eventId: z.string() });
