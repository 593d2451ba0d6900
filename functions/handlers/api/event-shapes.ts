import { z } from 'zod';
import { DELIVERY_EVENT_TYPES, EVENT_TYPES } from '../../core/events';
import { CHANNELS, DELIVERY_STATUSES } from '../../core/model';
import { AGGREGATE_STATUSES } from '../../core/validation/list-query';

/*
 * The public event contract (functions/core/events.ts, docs/architecture.md "Events") and the
 * webhook routes' answers, as zod schemas for the OpenAPI document.
 */

const instant = z.iso.datetime({ offset: true });
const metadata = z.record(z.string(), z.string()).describe('the notification’s own metadata');
const eventId = z.string().describe('stable per change: the same change always has this id');

export const deliveryEventShape = z.strictObject({
  id: eventId,
  type: z.enum(DELIVERY_EVENT_TYPES),
  occurredAt: instant,
  tenantId: z.string(),
  notificationId: z.string(),
  deliveryId: z.string(),
  channel: z.enum(CHANNELS),
  recipient: z.string().describe('as sent (events go to the tenant’s own endpoints and topic)'),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int().min(0),
  version: z.number().int().min(1).describe('orders the events of one delivery'),
  providerMessageId: z.string().optional(),
  error: z.string().optional(),
  metadata,
});

export const notificationCompletedShape = z.strictObject({
  id: eventId,
  type: z.literal('notification.completed'),
  occurredAt: instant,
  tenantId: z.string(),
  notificationId: z.string(),
  status: z.enum(AGGREGATE_STATUSES),
  counts: z.partialRecord(z.enum(DELIVERY_STATUSES), z.number().int().min(0)),
  deliveries: z.number().int().min(1),
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
  url: z.string().max(2048).describe('https, public address (deployed)'),
  events: z
    .array(z.enum(EVENT_TYPES))
    .min(1)
    .optional()
    .describe('default: every final outcome and notification.completed'),
  description: z.string().max(256).optional(),
});

export const patchWebhookBody = z.strictObject({ enabled: z.boolean() });

export const webhookShape = z.strictObject({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(EVENT_TYPES)),
  description: z.string().optional(),
  enabled: z.boolean(),
  disabledReason: z.string().optional(),
  disabledAt: instant.optional(),
  failingSince: instant.optional(),
  createdAt: instant,
  updatedAt: instant,
});

export const createdWebhookShape = webhookShape.extend({
  secret: z.string().describe('whsec_…: shown only in this answer'),
});

export const webhookListShape = z.strictObject({ items: z.array(webhookShape) });

export const webhookDetailShape = webhookShape.extend({
  recentAttempts: z
    .array(
      z.strictObject({
        at: instant,
        eventId: z.string(),
        type: z.enum(EVENT_TYPES),
        attempt: z.number().int().min(1),
        outcome: z.enum(['delivered', 'failed', 'gone', 'refused']),
        statusCode: z.number().int().optional(),
        durationMs: z.number().min(0),
        error: z.string().optional(),
        response: z.string().max(256).optional(),
      }),
    )
    .describe('the 20 latest attempts, newest first'),
});

export const rotatedSecretShape = z.strictObject({
  id: z.string(),
  secret: z.string(),
  previousSecretExpiresAt: instant,
});

export const testQueuedShape = z.strictObject({ eventId: z.string() });
