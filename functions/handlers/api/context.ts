import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { NotificationStore } from '../../adapters/dynamodb/notification-store';
import { createScheduler } from '../../adapters/scheduler/eventbridge-scheduler';
import { SqsDeliveryQueue } from '../../adapters/sqs/delivery-queue';
import { dynamo, sqs } from '../../runtime/aws-clients';
import { loadApiConfig } from '../../runtime/config';
import { HttpError } from '../../runtime/http';
import { createLogger, createMetrics, serviceName } from '../../runtime/powertools';

/*
 * What every route of the api function shares, built once per container: configuration, the
 * logger and metrics, and the adapters the use-cases are given.
 */
export const config = loadApiConfig();
export const logger = createLogger(serviceName('herald-api'));
export const metrics = createMetrics(serviceName('herald-api'), logger);
export const store = new NotificationStore(dynamo, config.tableName, config.retentionDays);
export const queue = new SqsDeliveryQueue(sqs, config.queues);
export const scheduler = config.scheduler
  ? createScheduler(config.scheduler, new SchedulerClient({}))
  : undefined;

/** One route: method, path (`{name}` for a path parameter) and what answers it. */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
}

/** The tenant the authorizer vouched for; API Gateway never calls us without one but /health. */
export function tenantOf(event: APIGatewayProxyEvent): string {
  const authorizer = event.requestContext?.authorizer as Record<string, unknown> | null | undefined;
  const tenant = authorizer?.tenantId ?? authorizer?.principalId;
  if (typeof tenant !== 'string' || tenant === '') throw new HttpError(401, 'Unauthorized');
  logger.appendKeys({ tenantId: tenant });
  return tenant;
}

/** A path parameter, %-decoded; a malformed escape names nothing there is: 404. */
export function pathParameter(event: APIGatewayProxyEvent, name: string, what: string): string {
  const raw = event.pathParameters?.[name] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(404, `${what} not found`);
  }
}
