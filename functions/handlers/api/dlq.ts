import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { SqsDeadLetterQueues } from '../../adapters/sqs/dead-letter-queues';
import { listDeadLetters } from '../../core/dead-letters/inspect';
import type { DeadLetterSource } from '../../core/dead-letters/queues';
import { replayDeadLetters } from '../../core/dead-letters/replay';
import { CHANNELS } from '../../core/notifications/model';
import { InvalidRequestError } from '../../core/shared/errors';
import { humanMessage, toFieldErrors } from '../../core/shared/field-errors';
import { sqs } from '../../runtime/aws-clients';
import { json, parseJsonBody } from '../../runtime/http';
import { type ApiRoute, config, logger, queue, store, tenantOf } from './context';
import { deadLettersShape, replayedShape } from './shapes';

/*
 * The console's view of the DLQs: a tenant lists and replays its own dead letters only (another
 * tenant's messages are neither shown, counted nor touched). Operators replay everything with
 * `npm run dlq`.
 */

const dlq = new SqsDeadLetterQueues(sqs, config.deadLetterQueues);

/** Messages one request takes, at most: the api function has 10 s. */
export const MAX_API_DLQ_MESSAGES = 200;
const DEFAULT_API_DLQ_MESSAGES = 100;
/** Messages one request looks through (another tenant's are looked at and left alone). */
const MAX_API_DLQ_SCAN = 1_000;

const sourceSchema = z
  .enum([...CHANNELS, 'schedule'])
  .check(z.describe('a channel, or `schedule` (failed scheduled releases)'));
const limitSchema = z.number().check(z.int(), z.minimum(1), z.maximum(MAX_API_DLQ_MESSAGES));

const listQuery = z.strictObject({
  channel: sourceSchema,
  limit: z
    .optional(z.pipe(z.coerce.number(), limitSchema))
    .check(z.describe(`messages to show, default ${DEFAULT_API_DLQ_MESSAGES}`)),
});

const replayBody = z.strictObject({
  channel: sourceSchema,
  notificationId: z
    .optional(z.string().check(z.minLength(1), z.maxLength(100)))
    .check(z.describe('only this notification')),
  limit: z
    .optional(limitSchema)
    .check(z.describe(`messages to replay, default ${DEFAULT_API_DLQ_MESSAGES}`)),
  includePermanent: z
    .optional(z.boolean())
    .check(z.describe('re-open permanent failures too, not only those whose retries ran out')),
});

/** The request validated, with a channel this deployment has a DLQ for. */
function parse<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
): z.output<S> & { channel: DeadLetterSource } {
  const parsed = schema.safeParse(value ?? {}, { error: humanMessage });
  if (!parsed.success) throw new InvalidRequestError(toFieldErrors(parsed.error.issues));
  const data = parsed.data as z.output<S> & { channel: DeadLetterSource };
  if (!dlq.sources.includes(data.channel)) {
    throw new InvalidRequestError([
      { path: 'channel', message: 'this deployment has no dead-letter queue for it' },
    ]);
  }
  return data;
}

/**
 * A tenant's look at a DLQ shared with every tenant: the scan gets at most half of the function's
 * remaining time (the rest reads and writes), and a message it holds comes back a few seconds
 * after the function's own timeout at the latest, should it die before putting it back.
 */
function filterOf(tenantId: string, limit: number | undefined, context: Context) {
  const remaining = context.getRemainingTimeInMillis?.() ?? API_TIMEOUT_MS;
  return {
    tenantId,
    limit: limit ?? DEFAULT_API_DLQ_MESSAGES,
    scanLimit: MAX_API_DLQ_SCAN,
    deadline: Date.now() + remaining / 2,
    holdSeconds: Math.ceil(remaining / 1000) + HOLD_MARGIN_SECONDS,
  };
}
/** The api function's timeout (lib/herald-stack.ts), when the context does not say. */
const API_TIMEOUT_MS = 10_000;
const HOLD_MARGIN_SECONDS = 5;

export const dlqRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/dlq',
    access: 'admin',
    doc: {
      summary: "The caller's dead letters in one DLQ",
      description:
        'Messages of deliveries that failed until their retries ran out (or could not be released), for this tenant only. Looking does not change them.',
      tag: 'dlq',
      query: listQuery,
      responses: { 200: { description: 'The dead letters', schema: deadLettersShape } },
    },
    handler: async (event, context) => {
      const tenantId = tenantOf(event);
      const query = parse(listQuery, event.queryStringParameters);
      const views = await listDeadLetters(
        { dlq, store },
        query.channel,
        filterOf(tenantId, query.limit, context),
      );
      return json(200, {
        messages: views.map((v) => ({
          messageId: v.messageId,
          channel: v.source,
          ...(v.notificationId ? { notificationId: v.notificationId } : {}),
          ...(v.deliveryId ? { deliveryId: v.deliveryId } : {}),
          sentAt: v.sentAt,
          receiveCount: v.receiveCount,
          ...(v.status ? { status: v.status } : {}),
        })),
      });
    },
  },
  {
    method: 'POST',
    path: '/v1/dlq/replay',
    access: 'admin',
    doc: {
      summary: "Replay the caller's dead letters",
      description:
        'Each message goes back on its queue: a delivery whose retries ran out is re-opened with a fresh attempt budget (a permanent failure only with includePermanent); one already delivered, sent or cancelled is skipped and its message removed; a schedule dead letter re-runs the release. Replaying twice changes nothing the second time.',
      tag: 'dlq',
      body: replayBody,
      responses: { 200: { description: 'What the replay did', schema: replayedShape } },
    },
    handler: async (event, context) => {
      const tenantId = tenantOf(event);
      const request = parse(replayBody, parseJsonBody(event, 16 * 1024));
      const result = await replayDeadLetters({ dlq, store, queue }, request.channel, {
        ...filterOf(tenantId, request.limit, context),
        ...(request.notificationId ? { notificationId: request.notificationId } : {}),
        ...(request.includePermanent ? { includePermanent: true } : {}),
      });
      logger.info('dead letters replayed', {
        channel: request.channel,
        replayed: result.replayed,
        skipped: result.skipped,
        kept: result.kept,
      });
      return json(200, { replayed: result.replayed, skipped: result.skipped, kept: result.kept });
    },
  },
];
