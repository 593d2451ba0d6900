import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { InvalidRequestError } from '../../core/errors';
import { cancelNotification } from '../../core/use-cases/cancel';
import { describeNotification } from '../../core/use-cases/describe';
import { type Accepted, ingestNotification } from '../../core/use-cases/ingest';
import {
  parseDispatchRequest,
  parseV1Request,
  type ValidationOptions,
  type ValidationResult,
} from '../../core/validation';
import { dispatchEnvelopeSchema } from '../../core/validation/dispatch-request';
import { v1Schema } from '../../core/validation/v1-request';
import { json, parseJsonBody } from '../../runtime/http';
import { errorSchema } from '../../runtime/openapi';
import { annotate } from '../../runtime/tracing';
import {
  type ApiRoute,
  config,
  logger,
  metrics,
  pathParameter,
  queue,
  scheduler,
  store,
  tenantOf,
} from './context';
import {
  acceptedShape,
  cancelledShape,
  dispatchAcceptedShape,
  notificationShape,
  partlyAcceptedShape,
} from './shapes';

const ingestDeps = {
  store,
  queue,
  messageDelayHorizonSeconds: config.messageDelayHorizonSeconds,
  reconcileAfterSeconds: config.reconcileAfterSeconds,
  ...(scheduler ? { scheduler } : {}),
};

function validationOptions(now: number): ValidationOptions {
  const options: ValidationOptions = {
    maxRecipientsPerChannel: config.maxRecipientsPerChannel,
    enabledChannels: queue.channels,
    now,
    maxScheduleAheadMs: config.maxScheduleAheadMs,
  };
  if (config.mqttTopicPrefix) options.mqttTopicPrefix = config.mqttTopicPrefix;
  if (config.senderDomain) options.senderDomain = config.senderDomain;
  return options;
}

async function accept(
  event: APIGatewayProxyEvent,
  parse: (body: unknown, options: ValidationOptions) => ValidationResult,
): Promise<Accepted> {
  const tenantId = tenantOf(event);
  const body = parseJsonBody(event, config.maxBodyBytes);
  const now = Date.now();
  const result = parse(body, validationOptions(now));
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

function notificationIdOf(event: APIGatewayProxyEvent): string {
  const id = pathParameter(event, 'id', 'Notification');
  logger.setCorrelationId(id);
  return id;
}

const partly = {
  description: 'Recorded, but some deliveries could not be queued (recorded failed); retry later',
  schema: partlyAcceptedShape,
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
        'Validated whole before anything is recorded; one delivery per channel x recipient.',
      tag: 'notifications',
      body: v1Schema(documented),
      idempotent: true,
      responses: { 202: { description: 'Accepted', schema: acceptedShape }, 503: partly },
    },
    handler: async (event) => json(202, await accept(event, parseV1Request)),
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
      responses: { 202: { description: 'Accepted', schema: dispatchAcceptedShape }, 503: partly },
    },
    handler: async (event) => {
      const accepted = await accept(event, parseDispatchRequest);
      return json(202, {
        message: 'Notification accepted',
        id: accepted.id,
        status: accepted.status,
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/notifications/{id}',
    access: 'read',
    doc: {
      summary: 'A notification and every delivery',
      tag: 'notifications',
      responses: { 200: { description: 'The notification', schema: notificationShape } },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      return json(200, await describeNotification(store, notificationIdOf(event), tenantId));
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
        200: { description: 'Cancelled deliveries', schema: cancelledShape },
        409: { description: 'Nothing left to cancel', schema: errorSchema },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const id = notificationIdOf(event);
      return json(200, await cancelNotification({ store, scheduler }, id, tenantId, Date.now()));
    },
  },
];
