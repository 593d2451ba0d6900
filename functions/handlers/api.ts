import { randomUUID } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { dynamo, sqs } from '../runtime/aws-clients';
import { loadApiConfig } from '../runtime/config';
import { json, parseJsonBody } from '../runtime/http';
import { createLogger, createMetrics, serviceName } from '../runtime/powertools';
import { createScheduler } from '../adapters/scheduler/eventbridge-scheduler';
import { NotificationStore } from '../adapters/dynamodb/notification-store';
import { EnqueueError, HttpError } from '../core/errors';
import { ingestNotification } from '../core/use-cases/ingest';
import { cancelNotification, describeNotification } from '../core/use-cases/cancel';
import type { Channel } from '../core/model';
import {
  parseDispatchRequest,
  parseV1Request,
  type ValidationOptions,
  type ValidationResult,
} from '../core/validation';

const config = loadApiConfig();
const logger = createLogger(serviceName('herald-api'));
const metrics = createMetrics(serviceName('herald-api'), logger);
const store = new NotificationStore(dynamo, config.tableName, config.retentionDays);
const scheduler = config.scheduler ? createScheduler(config.scheduler) : undefined;
const enabledChannels = Object.keys(config.queues) as Channel[];
const ingestDeps = {
  store,
  sqs,
  queues: config.queues,
  messageDelayHorizonSeconds: config.messageDelayHorizonSeconds,
  ...(scheduler ? { scheduler } : {}),
};

function validationOptions(now: number): ValidationOptions {
  const options: ValidationOptions = {
    maxRecipientsPerChannel: config.maxRecipientsPerChannel,
    enabledChannels,
    now,
    maxScheduleAheadMs: config.maxScheduleAheadMs,
  };
  if (config.mqttTopicPrefix) options.mqttTopicPrefix = config.mqttTopicPrefix;
  if (config.senderDomain) options.senderDomain = config.senderDomain;
  return options;
}

/** The tenant the authorizer vouched for; API Gateway never calls us without one but /health. */
function tenantOf(event: APIGatewayProxyEvent): string {
  const authorizer = event.requestContext?.authorizer as Record<string, unknown> | null | undefined;
  const tenant = authorizer?.tenantId ?? authorizer?.principalId;
  if (typeof tenant !== 'string' || tenant === '') throw new HttpError(401, 'Unauthorized');
  return tenant;
}

async function accept(
  event: APIGatewayProxyEvent,
  parse: (body: unknown, options: ValidationOptions) => ValidationResult,
): Promise<{ id: string; status: 'accepted' | 'scheduled'; deliveries: number }> {
  const tenantId = tenantOf(event);
  const body = parseJsonBody(event, config.maxBodyBytes);
  const now = Date.now();
  const result = parse(body, validationOptions(now));
  if (!result.ok) {
    throw new HttpError(400, 'Invalid request', { errors: result.errors });
  }
  const id = randomUUID();
  // The notification id is the correlation id across the api, release and channel functions.
  logger.setCorrelationId(id);
  logger.appendKeys({ tenantId });
  const accepted = await ingestNotification(ingestDeps, result.value, { id, tenantId, now });
  metrics.addMetric('NotificationsAccepted', MetricUnit.Count, 1);
  metrics.addMetric('DeliveriesAccepted', MetricUnit.Count, accepted.deliveries);
  logger.info('notification accepted', { ...accepted });
  return accepted;
}

const NOTIFICATION_PATH = /^\/v1\/notifications\/([^/]+)\/?$/;

/** A malformed %-escape names no notification: 404, never a 500. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(404, 'Notification not found');
  }
}

async function route(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const method = event.httpMethod.toUpperCase();
  const path = event.path.replace(/\/+$/, '') || '/';

  if (path === '/health' && method === 'GET') return json(200, { status: 'ok' });

  if (path === '/v1/notifications') {
    if (method !== 'POST') throw new HttpError(405, `${method} is not allowed on ${path}`);
    return json(202, await accept(event, parseV1Request));
  }

  if (path === '/notification/dispatch') {
    if (method !== 'POST') throw new HttpError(405, `${method} is not allowed on ${path}`);
    const accepted = await accept(event, parseDispatchRequest);
    return json(202, {
      message: 'Notification accepted',
      id: accepted.id,
      status: accepted.status,
    });
  }

  const match = NOTIFICATION_PATH.exec(path);
  if (match?.[1]) {
    const id = event.pathParameters?.id ?? safeDecode(match[1]);
    const tenantId = tenantOf(event);
    logger.setCorrelationId(id);
    logger.appendKeys({ tenantId });
    if (method === 'GET') return json(200, await describeNotification(store, id, tenantId));
    if (method === 'DELETE') {
      return json(200, await cancelNotification({ store, scheduler }, id, tenantId, Date.now()));
    }
    throw new HttpError(405, `${method} is not allowed on ${path}`);
  }
  throw new HttpError(404, `No route for ${method} ${path}`);
}

async function apiHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  try {
    return await route(event);
  } catch (error) {
    if (error instanceof HttpError && error.statusCode < 500) {
      return json(error.statusCode, { message: error.message, ...error.details });
    }
    if (error instanceof EnqueueError) {
      logger.error('notification accepted only in part', { error });
      metrics.addMetric('EnqueueFailures', MetricUnit.Count, error.failedDeliveries);
      return json(503, {
        message: `${error.message}; those deliveries were recorded failed. Retry later.`,
        id: error.notificationId,
      });
    }
    logger.error('request failed', { error: error as Error });
    return json(500, { message: 'Internal error' });
  }
}

/** API Gateway REST proxy integration for every Herald route. */
export const handler = middy(apiHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
