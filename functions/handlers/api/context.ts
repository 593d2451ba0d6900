import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DynamoNotificationIndex } from '../../adapters/dynamodb/notification-index';
import { NotificationStore } from '../../adapters/dynamodb/notification-store';
import { SuppressionsWithProfiles } from '../../adapters/dynamodb/suppressions-with-profiles';
import { createScheduler } from '../../adapters/scheduler/eventbridge-scheduler';
import { SqsDeliveryQueue } from '../../adapters/sqs/delivery-queue';
import { SCOPES, type Scope } from '../../core/access/api-keys';
import { dynamo, dynamoClient, sqs } from '../../runtime/aws-clients';
import { loadApiConfig } from '../../runtime/config';
import { HttpError } from '../../runtime/http';
import { createIdempotency } from '../../runtime/idempotency';
import type { DocumentedRoute } from '../../runtime/openapi';
import { createLogger, createMetrics, serviceName } from '../../runtime/powertools';
import { traced } from '../../runtime/tracing';

/*
 * What every route of the api function shares, built once per container: configuration, the
 * logger and metrics, and the adapters the use-cases are given.
 */
export const config = loadApiConfig();
export const logger = createLogger(serviceName('herald-api'));
export const metrics = createMetrics(serviceName('herald-api'), logger);
export const store = new NotificationStore(dynamo, config.tableName, config.retentionDays);
export const notificationIndex = new DynamoNotificationIndex(dynamo, config.tableName);
export const queue = new SqsDeliveryQueue(sqs, config.queues);
export const suppressions = new SuppressionsWithProfiles(dynamo, config.tableName);
export const scheduler = config.scheduler
  ? createScheduler(config.scheduler, traced(new SchedulerClient({})))
  : undefined;
export const idempotency = config.idempotencyTableName
  ? createIdempotency(config.idempotencyTableName, dynamoClient, (error) =>
      logger.error('request done, but its Idempotency-Key answer could not be kept', { error }),
    )
  : undefined;

/**
 * Who may call a route: a key with that scope, `key` any valid key, `public` no key at all
 * (API Gateway serves those without the authorizer: lib/constructs/api.ts).
 */
export type RouteAccess = Scope | 'key' | 'public';

/**
 * One route: method, path (`{name}` for a path parameter), who may call it, what answers it, and
 * its entry in the OpenAPI document (`doc`: the zod schemas it validates with and answers with).
 */
export interface ApiRoute extends DocumentedRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** Checked by the router before the handler runs (403 naming the missing scope). */
  access: RouteAccess;
  /** The Lambda context comes second (the idempotency record's in-progress expiry uses it). */
  handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
}

function authorizerContext(event: APIGatewayProxyEvent): Record<string, unknown> | undefined {
  return (event.requestContext?.authorizer ?? undefined) as Record<string, unknown> | undefined;
}

/** The tenant the authorizer vouched for; API Gateway never calls us without one but /health. */
export function tenantOf(event: APIGatewayProxyEvent): string {
  const authorizer = authorizerContext(event);
  const tenant = authorizer?.tenantId ?? authorizer?.principalId;
  if (typeof tenant !== 'string' || tenant === '') throw new HttpError(401, 'Unauthorized');
  logger.appendKeys({ tenantId: tenant });
  return tenant;
}

/**
 * The longest path parameter (UTF-8 bytes) any route looks up. The longest thing Herald keys by
 * is a suppressed recipient (`<channel>#<recipient>`, under 1,024 bytes: DynamoDB refuses a longer
 * sort key with a ValidationException), so a longer parameter is answered here, before any read.
 */
const MAX_PATH_PARAMETER_BYTES = 1_000;

/**
 * A path parameter, %-decoded. A malformed escape, or one longer than anything stored, names
 * nothing there is: 404.
 */
export function pathParameter(event: APIGatewayProxyEvent, name: string, what: string): string {
  const raw = event.pathParameters?.[name] ?? '';
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw new HttpError(404, `${what} not found`);
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_PATH_PARAMETER_BYTES) {
    throw new HttpError(404, `${what} not found`);
  }
  return value;
}

/** The scopes the authorizer vouched for (`context.scopes`, space-separated); none if absent. */
export function scopesOf(event: APIGatewayProxyEvent): Scope[] {
  const raw = authorizerContext(event)?.scopes;
  if (typeof raw !== 'string') return [];
  return raw.split(/\s+/).filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
}

/**
 * The caller's tenant, if its key carries `scope`; else a 403 that names the scope. Routes declare
 * their scope (ApiRoute.access) and the router calls this; a route that needs a second scope for
 * part of its work calls it itself.
 */
export function requireScope(event: APIGatewayProxyEvent, scope: Scope): string {
  const tenantId = tenantOf(event);
  if (!scopesOf(event).includes(scope)) {
    throw new HttpError(403, `This API key lacks the "${scope}" scope`);
  }
  return tenantId;
}

/** Runs the route's access check, then its handler. */
export function guarded(route: ApiRoute): ApiRoute['handler'] {
  const { access } = route;
  if (access === 'public') return route.handler;
  return async (event, context) => {
    if (access === 'key') tenantOf(event);
    else requireScope(event, access);
    return route.handler(event, context);
  };
}
