import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { cancelNotification } from '../../core/notifications/cancel';
import { describeNotification } from '../../core/notifications/describe';
import { type Accepted, ingestNotification } from '../../core/notifications/ingest';
import {
  parseDispatchRequest,
  type ValidationOptions,
  type ValidationResult,
} from '../../core/notifications/requests';
import { dispatchEnvelopeSchema } from '../../core/notifications/requests/dispatch-request';
import { EnqueueError, InvalidRequestError, NotRecordedError } from '../../core/shared/errors';
import { errorResponse, json, parseJsonBody } from '../../runtime/http';
import {
  IDEMPOTENCY_KEY_HEADER,
  idempotencyKeyOf,
  type KeptAnswer,
} from '../../runtime/idempotency';
import { errorSchema } from '../../runtime/openapi';
import { annotate } from '../../runtime/tracing';
import {
  type ApiRoute,
  config,
  idempotency,
  logger,
  metrics,
  pathParameter,
  queue,
  scheduler,
  store,
  tenantOf,
} from './context';
import { parseV1OrRecipients, v1OrRecipientsSchema } from './recipient-sends';
import { routedSend, routedShape } from './routing';
import {
  acceptedShape,
  cancelledShape,
  dispatchAcceptedShape,
  partlyAcceptedShape,
} from './shapes';
import { withTemplateSchema, withTemplates } from './template-sends';
import { withTenantProviders } from './tenant-validation';
import {
  acceptTopic,
  cancelTopicSend,
  deliveriesQuery,
  describedShape,
  describeTopicSend,
  fanoutCancelledShape,
  namesTopic,
  topicAcceptedShape,
  topicSendSchema,
} from './topic-sends';

const ingestDeps = {
  store,
  queue,
  messageDelayHorizonSeconds: config.messageDelayHorizonSeconds,
  reconcileAfterSeconds: config.reconcileAfterSeconds,
  ...(scheduler ? { scheduler } : {}),
};

function validationOptions(now: number, tenantId?: string): ValidationOptions {
  const options: ValidationOptions = {
    maxRecipientsPerChannel: config.maxRecipientsPerChannel,
    enabledChannels: queue.channels,
    now,
    maxScheduleAheadMs: config.maxScheduleAheadMs,
  };
  if (config.mqttTopicPrefix) options.mqttTopicPrefix = config.mqttTopicPrefix;
  // MQTT topics are published inside the tenant's own namespace (requests/mqtt-topic.ts).
  if (tenantId !== undefined) options.tenantId = tenantId;
  if (config.senderDomain) options.senderDomain = config.senderDomain;
  return options;
}

/** With the tenant's email identities and Slack allow-list (provider-email.ts, slack-allow-list.ts). */
const tenantOptions = async (now: number, tenantId: string) =>
  withTenantProviders(validationOptions(now, tenantId), tenantId);

type Parse = (
  body: unknown,
  options: ValidationOptions,
) => ValidationResult | Promise<ValidationResult>;

async function accept(tenantId: string, body: unknown, parse: Parse): Promise<Accepted> {
  const now = Date.now();
  const result = await parse(body, await tenantOptions(now, tenantId));
  if (!result.ok) throw new InvalidRequestError(result.errors);
  const id = randomUUID();
  // The notification id is the correlation id across the api, release and channel functions.
  logger.setCorrelationId(id);
  annotate({ notificationId: id });
  const accepted = await ingestNotification(ingestDeps, result.value, { id, tenantId, now });
  metrics.addMetric('NotificationsAccepted', MetricUnit.Count, 1);
  metrics.addMetric('DeliveriesAccepted', MetricUnit.Count, accepted.deliveries);
  logger.info('notification accepted', { ...accepted });
  return accepted;
}

/**
 * One create request, answered at most once per Idempotency-Key: the key is checked first (400 at
 * `Idempotency-Key`), then the body; a request refused as invalid keeps nothing, so the client can
 * correct it under the same key. A notification accepted only in part (503) is an answer to keep:
 * retrying it must not create a second notification. One that could not be recorded at all (503,
 * nothing of it will ever be sent) keeps nothing either: the retry under the same key is new.
 */
async function createOnce(
  event: APIGatewayProxyEvent,
  context: Context,
  route: string,
  parse: Parse,
  present: (accepted: Accepted) => unknown,
): Promise<APIGatewayProxyResult> {
  const tenantId = tenantOf(event);
  const key = idempotencyKeyOf(event);
  const body = parseJsonBody(event, config.maxBodyBytes);
  const compute = async (): Promise<KeptAnswer> => {
    try {
      // A topic send (`to: {topic}`) is recorded and fanned out afterwards (topic-sends.ts).
      if (route === '/v1/notifications' && namesTopic(body)) {
        return {
          statusCode: 202,
          body: await acceptTopic(tenantId, body, await tenantOptions(Date.now(), tenantId)),
        };
      }
      return { statusCode: 202, body: present(await accept(tenantId, body, parse)) };
    } catch (error) {
      if (!(error instanceof EnqueueError)) throw error;
      const answer = errorResponse(error, { logger, metrics });
      return { statusCode: answer.statusCode, body: JSON.parse(answer.body) };
    }
  };
  try {
    if (key === undefined) {
      const answer = await compute();
      return json(answer.statusCode, answer.body);
    }
    if (!idempotency) {
      throw new InvalidRequestError([
        { path: IDEMPOTENCY_KEY_HEADER, message: 'is not supported by this deployment' },
      ]);
    }
    return await idempotency.run({ tenantId, route, key, body }, context, compute);
  } catch (error) {
    if (error instanceof NotRecordedError) return notRecorded(error);
    throw error;
  }
}

/** When a client may retry a notification that could not be recorded (storage throttled). */
const NOT_RECORDED_RETRY_AFTER_SECONDS = 5;

/** 503 with Retry-After: nothing of this request was queued or will be sent. */
function notRecorded(error: NotRecordedError): APIGatewayProxyResult {
  logger.error('notification not recorded', { error });
  metrics.addMetric('NotificationsNotRecorded', MetricUnit.Count, 1);
  const answer = json(503, {
    message:
      'The notification could not be recorded: nothing was queued and nothing will be sent. Retry later (the same Idempotency-Key may be used).',
  });
  answer.headers = { ...answer.headers, 'retry-after': String(NOT_RECORDED_RETRY_AFTER_SECONDS) };
  return answer;
}

function notificationIdOf(event: APIGatewayProxyEvent): string {
  const id = pathParameter(event, 'id', 'Notification');
  logger.setCorrelationId(id);
  return id;
}

/** What an Idempotency-Key adds to a create route's answers. */
const keyed = {
  409: {
    description:
      'A request with this Idempotency-Key is still being processed; retry after Retry-After',
    schema: errorSchema,
  },
  422: {
    description: 'This Idempotency-Key was used with a different request body',
    schema: errorSchema,
  },
};

const partly = {
  description:
    'Recorded, but some deliveries could not be queued (recorded failed; `id` names the notification); or the notification could not be recorded and nothing will be sent (Retry-After; the same Idempotency-Key may be used); or the Idempotency-Key could not be checked and nothing was done (Retry-After). Retry later',
  schema: z.union([partlyAcceptedShape, errorSchema]),
};
// The document describes the body this deployment accepts (its channels, topic prefix, sender).
const documented = validationOptions(Date.now());

/** Sending, reading and cancelling notifications, in both API shapes. */
export const notificationRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/v1/notifications',
    access: 'send',
    doc: {
      summary: 'Send a notification',
      description:
        'Validated whole before anything is recorded; one delivery per channel x recipient. With `routing: {method: "first", channels: [...], timeout: "10m"}` (one recipient per channel) the channels are tried in order as a workflow run: the next only if the last was not delivered (push/MQTT: sent) within `timeout`, or failed. With `to: [ids | {id, ...profile}]` and `template` (+ `data`) or content-only `channels` blocks, one such run per recipient (`runs`), each send on the recipient profile (addresses, preferences, locale).',
      tag: 'notifications',
      body: z.union([withTemplateSchema(v1OrRecipientsSchema(documented)), topicSendSchema]),
      idempotent: true,
      responses: {
        202: {
          description: 'Accepted (with `routing`: the workflow run that tries the channels)',
          schema: z.union([acceptedShape, routedShape, topicAcceptedShape]),
        },
        404: { description: '`to.topic` names no topic of the tenant', schema: errorSchema },
        503: partly,
        ...keyed,
      },
    },
    handler: async (event, context) =>
      (await routedSend(event)) ??
      createOnce(
        event,
        context,
        '/v1/notifications',
        withTemplates(parseV1OrRecipients),
        (accepted) => accepted,
      ),
  },
  {
    method: 'POST',
    path: '/notification/dispatch',
    access: 'send',
    doc: {
      summary: 'Send a notification in the replaced service’s request shape',
      tag: 'compatibility',
      body: dispatchEnvelopeSchema(documented),
      idempotent: true,
      responses: {
        202: { description: 'Accepted', schema: dispatchAcceptedShape },
        503: partly,
        ...keyed,
      },
    },
    handler: (event, context) =>
      createOnce(event, context, '/notification/dispatch', parseDispatchRequest, (accepted) => ({
        message: 'Notification accepted',
        id: accepted.id,
        status: accepted.status,
      })),
  },
  {
    method: 'GET',
    path: '/v1/notifications/{id}',
    access: 'read',
    doc: {
      summary: 'A notification and every delivery',
      tag: 'notifications',
      query: deliveriesQuery,
      responses: {
        200: {
          description:
            'The notification (a topic send: with `fanout` progress and a page of up to 1,000 deliveries; `nextCursor` for the next)',
          schema: describedShape,
        },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const id = notificationIdOf(event);
      const topicSend = await describeTopicSend(id, tenantId, event.queryStringParameters);
      return json(200, topicSend ?? (await describeNotification(store, id, tenantId)));
    },
  },
  {
    method: 'DELETE',
    path: '/v1/notifications/{id}',
    // Cancelling is part of sending: the key that may send may also take it back.
    access: 'send',
    doc: {
      summary: 'Cancel what has not been sent',
      tag: 'notifications',
      responses: {
        200: {
          description: 'Cancelled deliveries (a topic send: the rest of its fan-out stopped too)',
          schema: z.union([cancelledShape, fanoutCancelledShape]),
        },
        409: { description: 'Nothing left to cancel', schema: errorSchema },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const id = notificationIdOf(event);
      const now = Date.now();
      const fanout = await cancelTopicSend(id, tenantId, now);
      return json(
        200,
        fanout ?? (await cancelNotification({ store, scheduler }, id, tenantId, now)),
      );
    },
  },
];
