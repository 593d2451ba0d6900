import { z } from 'zod';
import { SqsDeadLetterQueues } from '../../adapters/sqs/dead-letter-queues';
import { InvalidRequestError } from '../../core/errors';
import type { DeadLetterSource } from '../../core/ports';
import { listDeadLetters } from '../../core/use-cases/dead-letters';
import { replayDeadLetters } from '../../core/use-cases/replay';
import { toFieldErrors } from '../../core/validation/field-errors';
import { sqs } from '../../runtime/aws-clients';
import { json, parseJsonBody } from '../../runtime/http';
import { type ApiRoute, config, logger, queue, store, tenantOf } from './context';

/*
 * The console's view of the DLQs: a tenant lists and replays its own dead letters only (another
 * tenant's messages are neither shown, counted nor touched). Operators replay everything with
 * `npm run dlq`.
 */

const dlq = new SqsDeadLetterQueues(sqs, config.deadLetterQueues);

/** Messages one request looks at, at most: the api function has 10 s. */
export const MAX_API_DLQ_MESSAGES = 200;
const DEFAULT_API_DLQ_MESSAGES = 100;

function source(value: unknown, path: string): DeadLetterSource {
  const known = dlq.sources as readonly string[];
  if (typeof value === 'string' && known.includes(value)) return value as DeadLetterSource;
  throw new InvalidRequestError([
    {
      path,
      message:
        value === undefined || value === ''
          ? 'is required'
          : `must be one of ${known.join(', ')} (the dead-letter queues of this deployment)`,
    },
  ]);
}

const limitSchema = z.coerce.number().int().min(1).max(MAX_API_DLQ_MESSAGES);

function limitOf(value: unknown, path: string): number {
  if (value === undefined) return DEFAULT_API_DLQ_MESSAGES;
  const parsed = limitSchema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidRequestError([
      { path, message: `must be a whole number from 1 to ${MAX_API_DLQ_MESSAGES}` },
    ]);
  }
  return parsed.data;
}

const replaySchema = z.strictObject({
  channel: z.unknown().optional(),
  notificationId: z.string().min(1).max(100).optional(),
  limit: z.unknown().optional(),
  includePermanent: z.boolean().optional(),
});

export const dlqRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/dlq',
    access: 'admin',
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const query = event.queryStringParameters ?? {};
      const channel = source(query.channel, 'channel');
      const views = await listDeadLetters({ dlq, store }, channel, {
        tenantId,
        limit: limitOf(query.limit, 'limit'),
      });
      return json(200, {
        messages: views.map((v) => ({
          messageId: v.messageId,
          channel: v.source,
          notificationId: v.notificationId,
          deliveryId: v.deliveryId,
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
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const body = parseJsonBody(event, 16 * 1024);
      const parsed = replaySchema.safeParse(body);
      if (!parsed.success) throw new InvalidRequestError(toFieldErrors(parsed.error.issues));
      const request = parsed.data;
      const channel = source(request.channel, 'channel');
      const result = await replayDeadLetters({ dlq, store, queue }, channel, {
        tenantId,
        limit: limitOf(request.limit, 'limit'),
        ...(request.notificationId ? { notificationId: request.notificationId } : {}),
        ...(request.includePermanent ? { includePermanent: true } : {}),
      });
      logger.info('dead letters replayed', {
        channel,
        replayed: result.replayed,
        skipped: result.skipped,
        kept: result.kept,
      });
      return json(200, { replayed: result.replayed, skipped: result.skipped, kept: result.kept });
    },
  },
];
