import * as z from 'zod/mini';
import { SCOPES } from '../../core/access/api-keys';
import { CHANNELS, DELIVERY_STATUSES, type FailureKind } from '../../core/notifications/model';
import { SKIP_REASONS } from '../../core/notifications/recipient-fields';
import { AGGREGATE_STATUSES } from '../../core/notifications/requests/list-query';
import { SUPPRESSION_REASONS } from '../../core/suppressions/model';

/*
 * What the routes answer, as zod schemas: the OpenAPI document is generated from them, and every
 * integration test response is validated against that document, so an answer that changes shape
 * without its schema fails the tests.
 */

const instant = z.iso.datetime({ offset: true });
const id = z.string().check(z.minLength(1));
const metadata = z.record(z.string(), z.string());
/** An integer of at least `min`; `description` for the document. */
const count = (min: number, description?: string) =>
  z
    .number()
    .check(
      z.int(),
      z.minimum(min),
      ...(description === undefined ? [] : [z.describe(description)]),
    );
const counts = z
  .partialRecord(z.enum(DELIVERY_STATUSES), count(0))
  .check(z.describe('deliveries per status'));
/** `schema`, optional, with its description in the document. */
const optionalDescribed = <S extends z.ZodMiniType>(schema: S, description: string) =>
  z.optional(schema).check(z.describe(description));

export const acceptedShape = z.strictObject({
  id,
  status: z.enum(['accepted', 'scheduled']),
  deliveries: count(1, 'one per channel x recipient'),
});

export const dispatchAcceptedShape = z.strictObject({
  message: z.literal('Notification accepted'),
  id,
  status: z.enum(['accepted', 'scheduled']),
});

/** 503: recorded, but some deliveries could not be queued (those are recorded failed). */
export const partlyAcceptedShape = z.strictObject({ message: z.string(), id });

export const deliveryShape = z.strictObject({
  id: z.string().check(z.describe('<channel>#<n>')),
  channel: z.enum(CHANNELS),
  recipient: z.string().check(z.describe('masked')),
  status: z.enum(DELIVERY_STATUSES),
  attempts: count(0),
  providerMessageId: z.optional(z.string()),
  lastError: z.optional(z.string()),
  providerDetail: optionalDescribed(
    z.string(),
    'provider feedback that changed no status: a delay, a transient bounce, WhatsApp read',
  ),
  failure: optionalDescribed(
    z.enum(['permanent', 'exhausted'] as const satisfies readonly FailureKind[]),
    'while failed: refused by the provider, or retries ran out (replayable)',
  ),
  replays: optionalDescribed(count(1), 'times a DLQ replay re-opened it'),
  attemptHistory: z
    .array(
      z.strictObject({
        attempt: count(1),
        at: instant,
        outcome: z.enum(['sent', 'delivered', 'failed', 'retry', 'suppressed']),
        error: optionalDescribed(z.string(), 'shortened; the full last one is lastError'),
        sender: optionalDescribed(
          z.string(),
          'the sender it went out from (`<owner>:<channel>:<id>`: the stack or tenant/provider, then a number, messaging service or Slack channel), where send rates or failover choose one',
        ),
      }),
    )
    .check(z.maxLength(10), z.describe('the last 10 attempts, oldest first')),
  version: optionalDescribed(count(1), 'grows with every recorded change'),
  recipientId: optionalDescribed(z.string(), 'the recipient id (to) this delivery is for'),
  skipReason: optionalDescribed(
    z.enum(SKIP_REASONS),
    'when skipped: never sent, and why (no_address, address_invalid, opted_out, suppressed)',
  ),
  createdAt: instant,
  updatedAt: instant,
});

export const notificationShape = z.strictObject({
  id,
  status: z.enum(AGGREGATE_STATUSES),
  createdAt: instant,
  sendAt: z.optional(instant),
  priority: z.enum(['high', 'normal']),
  metadata: z.optional(metadata),
  template: z.optional(
    z
      .strictObject({
        key: z.string(),
        version: z.int().check(z.minimum(1)),
        locales: z.partialRecord(z.enum(CHANNELS), z.array(z.string())),
      })
      .check(
        z.describe(
          'the template and published version the content was rendered from, and the locale variants rendered per channel (after fallback; several when rendered per recipient)',
        ),
      ),
  ),
  counts,
  deliveries: z.array(deliveryShape),
});

export const cancelledShape = z.strictObject({
  id,
  cancelled: count(1),
  deliveries: z.array(
    z.strictObject({ id: z.string(), channel: z.enum(CHANNELS), status: z.literal('cancelled') }),
  ),
});

export const summaryShape = z.strictObject({
  id,
  status: z.enum(AGGREGATE_STATUSES),
  createdAt: instant,
  sendAt: z.optional(instant),
  priority: z.enum(['high', 'normal']),
  metadata: z.optional(metadata),
  channels: z.array(z.enum(CHANNELS)),
  deliveries: count(0, 'how many deliveries (channel x recipient)'),
  counts,
  byChannel: z
    .partialRecord(z.enum(CHANNELS), counts)
    .check(z.describe('deliveries per channel and status')),
});

export const pageShape = z.strictObject({
  items: z.array(summaryShape),
  nextCursor: optionalDescribed(
    z.string(),
    'pass as `cursor` for the next page; absent at the end',
  ),
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
      notificationId: z.optional(id),
      deliveryId: z.optional(z.string()),
      sentAt: instant,
      receiveCount: count(0, 'as SQS counts it: in the work queue, then each look'),
      status: optionalDescribed(z.enum(DELIVERY_STATUSES), "the delivery's recorded status"),
    }),
  ),
});

/** POST /v1/dlq/replay. */
export const replayedShape = z.strictObject({
  replayed: count(0, 'back on their queue (or released again)'),
  skipped: count(0, 'nothing left to do (delivered, cancelled): removed'),
  kept: count(0, 'left in the DLQ (a permanent failure, not Herald’s)'),
});

export const healthShape = z.strictObject({ status: z.literal('ok') });

/** One suppression-list entry (the caller's own: no tenant in it). */
export const suppressionShape = z.strictObject({
  channel: z.enum(CHANNELS),
  recipient: z
    .string()
    .check(z.describe('normalized: emails lowercased, WhatsApp without "whatsapp:"')),
  reason: z.enum(SUPPRESSION_REASONS),
  source: z
    .string()
    .check(
      z.describe(
        'what put it there: ses:Bounce:Permanent/General, twilio:failed:21610, fcm:..., api',
      ),
    ),
  createdAt: instant,
});

export const suppressionPageShape = z.strictObject({
  items: z.array(suppressionShape),
  nextCursor: optionalDescribed(z.string(), 'absent on the last page'),
});
