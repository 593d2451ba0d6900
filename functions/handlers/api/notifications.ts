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
import { json, parseJsonBody } from '../../runtime/http';
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

const ingestDeps = {
  store,
  queue,
  messageDelayHorizonSeconds: config.messageDelayHorizonSeconds,
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

/** Sending, reading and cancelling notifications, in both API shapes. */
export const notificationRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/v1/notifications',
    access: 'send',
    handler: async (event) => json(202, await accept(event, parseV1Request)),
  },
  {
    method: 'POST',
    path: '/notification/dispatch',
    access: 'send',
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
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const id = notificationIdOf(event);
      return json(200, await cancelNotification({ store, scheduler }, id, tenantId, Date.now()));
    },
  },
];
