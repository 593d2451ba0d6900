import { z } from 'zod';
import { SCOPES } from '../../core/api-keys';
import { CHANNELS, DELIVERY_STATUSES, type FailureKind } from '../../core/model';
import { SUPPRESSION_REASONS } from '../../core/suppression';
import { AGGREGATE_STATUSES } from '../../core/validation/list-query';

/*
 * What the routes answer, as zod schemas: the OpenAPI document is generated from them, and every
 * integration test response is validated against that document, so an answer that changes shape
 * without its schema fails the tests.
 */

const instant = z.iso.datetime({ offset: true });
const id = z.string().min(1);
const metadata = z.record(z.string(), z.string());
const counts = z
  .partialRecord(z.enum(DELIVERY_STATUSES), z.number().int().min(0))
  .describe('deliveries per status');

export const acceptedShape = z.strictObject({
  id,
  status: z.enum(['accepted', 'scheduled']),
  deliveries: z.number().int().min(1).describe('one per channel x recipient'),
});

export const dispatchAcceptedShape = z.strictObject({
  message: z.literal('Notification accepted'),
  id,
  status: z.enum(['accepted', 'scheduled']),
});

/** 503: recorded, but some deliveries could not be queued (those are recorded failed). */
export const partlyAcceptedShape = z.strictObject({ message: z.string(), id });

export const deliveryShape = z.strictObject({
  id: z.string().describe('<channel>#<n>'),
  channel: z.enum(CHANNELS),
  recipient: z.string().describe('masked'),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int().min(0),
  providerMessageId: z.string().optional(),
  lastError: z.string().optional(),
  providerDetail: z
    .string()
    .optional()
    .describe(
      'provider feedback that changed no status: a delay, a transient bounce, WhatsApp read',
    ),
  failure: z
    .enum(['permanent', 'exhausted'] as const satisfies readonly FailureKind[])
    .optional()
    .describe('while failed: refused by the provider, or retries ran out (replayable)'),
  replays: z.number().int().min(1).optional().describe('times a DLQ replay re-opened it'),
  attemptHistory: z
    .array(
      z.strictObject({
        attempt: z.number().int().min(1),
        at: instant,
        outcome: z.enum(['sent', 'delivered', 'failed', 'retry', 'suppressed']),
        error: z.string().optional().describe('shortened; the full last one is lastError'),
      }),
    )
    .max(10)
    .describe('the last 10 attempts, oldest first'),
  version: z.number().int().min(1).optional().describe('grows with every recorded change'),
  createdAt: instant,
  updatedAt: instant,
});

export const notificationShape = z.strictObject({
  id,
  status: z.enum(AGGREGATE_STATUSES),
  createdAt: instant,
  sendAt: instant.optional(),
  priority: z.enum(['high', 'normal']),
  metadata: metadata.optional(),
  counts,
  deliveries: z.array(deliveryShape),
});

export const cancelledShape = z.strictObject({
  id,
  cancelled: z.number().int().min(1),
  deliveries: z.array(
    z.strictObject({ id: z.string(), channel: z.enum(CHANNELS), status: z.literal('cancelled') }),
  ),
});

export const summaryShape = z.strictObject({
  id,
  status: z.enum(AGGREGATE_STATUSES),
  createdAt: instant,
  sendAt: instant.optional(),
  priority: z.enum(['high', 'normal']),
  metadata: metadata.optional(),
  channels: z.array(z.enum(CHANNELS)),
  deliveries: z.number().int().min(0).describe('how many deliveries (channel x recipient)'),
  counts,
  byChannel: z
    .partialRecord(z.enum(CHANNELS), counts)
    .describe('deliveries per channel and status'),
});

export const pageShape = z.strictObject({
  items: z.array(summaryShape),
  nextCursor: z
    .string()
    .optional()
    .describe('pass as `cursor` for the next page; absent at the end'),
});

export const meShape = z.strictObject({
  tenantId: z.string(),
  keyId: z.string(),
  scopes: z.array(z.enum(SCOPES)),
});

/** GET /v1/dlq. */
export const deadLettersShape = z.strictObject({
  messages: z.array(
    z.strictObject({
      messageId: z.string(),
      channel: z.enum([...CHANNELS, 'schedule']),
      notificationId: id.optional(),
      deliveryId: z.string().optional(),
      sentAt: instant,
      receiveCount: z
        .number()
        .int()
        .min(0)
        .describe('as SQS counts it: in the work queue, then each look'),
      status: z.enum(DELIVERY_STATUSES).optional().describe("the delivery's recorded status"),
    }),
  ),
});

/** POST /v1/dlq/replay. */
export const replayedShape = z.strictObject({
  replayed: z.number().int().min(0).describe('back on their queue (or released again)'),
  skipped: z.number().int().min(0).describe('nothing left to do (delivered, cancelled): removed'),
  kept: z.number().int().min(0).describe('left in the DLQ (a permanent failure, not Herald’s)'),
});

export const healthShape = z.strictObject({ status: z.literal('ok') });

/** One suppression-list entry (the caller's own: no tenant in it). */
export const suppressionShape = z.strictObject({
  channel: z.enum(CHANNELS),
  recipient: z.string().describe('normalized: emails lowercased, WhatsApp without "whatsapp:"'),
  reason: z.enum(SUPPRESSION_REASONS),
  source: z
    .string()
    .describe('what put it there: ses:Bounce:Permanent/General, twilio:failed:21610, fcm:..., api'),
  createdAt: instant,
});

export const suppressionPageShape = z.strictObject({
  items: z.array(suppressionShape),
  nextCursor: z.string().optional().describe('absent on the last page'),
});
