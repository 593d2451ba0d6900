import { randomUUID } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import middy from '@middy/core';
import httpRouterHandler, { type Route } from '@middy/http-router';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { NotificationStore } from '../adapters/dynamodb/notification-store';
import { createScheduler } from '../adapters/scheduler/eventbridge-scheduler';
import { SqsDeliveryQueue } from '../adapters/sqs/delivery-queue';
import { InvalidRequestError, NotFoundError } from '../core/errors';
import { cancelNotification } from '../core/use-cases/cancel';
import { describeNotification } from '../core/use-cases/describe';
import { type Accepted, ingestNotification } from '../core/use-cases/ingest';
import {
  parseDispatchRequest,
  parseV1Request,
  type ValidationOptions,
  type ValidationResult,
} from '../core/validation';
import { dynamo, sqs } from '../runtime/aws-clients';
import { loadApiConfig } from '../runtime/config';
import { HttpError, httpErrors, json, parseJsonBody } from '../runtime/http';
import { createLogger, createMetrics, serviceName } from '../runtime/powertools';

const config = loadApiConfig();
const logger = createLogger(serviceName('herald-api'));
const metrics = createMetrics(serviceName('herald-api'), logger);
const store = new NotificationStore(dynamo, config.tableName, config.retentionDays);
const queue = new SqsDeliveryQueue(sqs, config.queues);
const scheduler = config.scheduler
  ? createScheduler(config.scheduler, new SchedulerClient({}))
  : undefined;
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
): Promise<Accepted> {
  const tenantId = tenantOf(event);
  const body = parseJsonBody(event, config.maxBodyBytes);
  const now = Date.now();
  const result = parse(body, validationOptions(now));
  if (!result.ok) throw new InvalidRequestError(result.errors);
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

/** The `{id}` path segment, decoded; a malformed %-escape names no notification: 404. */
function notificationIdOf(event: APIGatewayProxyEvent): string {
  const raw = event.pathParameters?.id ?? '';
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw new NotFoundError('Notification not found');
  }
  logger.setCorrelationId(id);
  return id;
}

type RouteHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
const route = (
  method: Route<APIGatewayProxyEvent, APIGatewayProxyResult>['method'],
  path: string,
  handler: RouteHandler,
) => ({ method, path, handler });

const routes = [
  route('GET', '/health', async () => json(200, { status: 'ok' })),
  route('POST', '/v1/notifications', async (event) =>
    json(202, await accept(event, parseV1Request)),
  ),
  route('POST', '/notification/dispatch', async (event) => {
    const accepted = await accept(event, parseDispatchRequest);
    return json(202, {
      message: 'Notification accepted',
      id: accepted.id,
      status: accepted.status,
    });
  }),
  route('GET', '/v1/notifications/{id}', async (event) => {
    const tenantId = tenantOf(event);
    const id = notificationIdOf(event);
    logger.appendKeys({ tenantId });
    return json(200, await describeNotification(store, id, tenantId));
  }),
  route('DELETE', '/v1/notifications/{id}', async (event) => {
    const tenantId = tenantOf(event);
    const id = notificationIdOf(event);
    logger.appendKeys({ tenantId });
    return json(200, await cancelNotification({ store, scheduler }, id, tenantId, Date.now()));
  }),
];

const KNOWN_PATHS = [
  /^\/health$/,
  /^\/v1\/notifications$/,
  /^\/notification\/dispatch$/,
  /^\/v1\/notifications\/[^/]+$/,
];

/** A known path with another method is a 405; anything else a 404. */
function noRoute({ method, path }: { method: string; path: string }): never {
  const trimmed = path.replace(/\/+$/, '') || '/';
  if (KNOWN_PATHS.some((known) => known.test(trimmed))) {
    throw new HttpError(405, `${method} is not allowed on ${trimmed}`);
  }
  throw new HttpError(404, `No route for ${method} ${trimmed}`);
}

/** API Gateway REST proxy integration for every Herald route. */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpErrors({ logger, metrics }))
  .handler(httpRouterHandler({ routes, notFoundResponse: noRoute }));
