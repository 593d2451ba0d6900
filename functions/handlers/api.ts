import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { HttpError, httpErrors } from '../runtime/http';
import { traceHandler } from '../runtime/tracing';
import { categoryRoutes } from './api/categories';
import { type ApiRoute, guarded, logger, metrics } from './api/context';
import { dlqRoutes } from './api/dlq';
import { listRoutes } from './api/list';
import { meRoutes } from './api/me';
import { notificationRoutes } from './api/notifications';
import { publicRoutes } from './api/openapi';
import { preferenceRoutes } from './api/preferences';
import { providerRoutes } from './api/providers';
import { recipientRoutes } from './api/recipients';
import { slackAllowListRoutes } from './api/slack-allow-list';
import { suppressionRoutes } from './api/suppressions';
import { templateRoutes } from './api/templates';
import { topicRoutes } from './api/topics';
import { twilioStatusRoutes } from './api/twilio-status';
import { unsubscribeRoutes } from './api/unsubscribe';
import { webhookRoutes } from './api/webhooks';
import { workflowRoutes } from './api/workflows';

/** Every route of the API; each feature keeps its routes in its own file under api/. */
const routes: ApiRoute[] = [
  // /v1/templates is served by the templates function (handlers/templates.ts), documented here.
  ...publicRoutes(() => [...routes, ...templateRoutes()]),
  ...notificationRoutes,
  ...listRoutes,
  ...meRoutes,
  ...webhookRoutes,
  ...suppressionRoutes,
  ...recipientRoutes,
  ...topicRoutes,
  ...categoryRoutes,
  ...preferenceRoutes,
  ...unsubscribeRoutes,
  ...twilioStatusRoutes,
  ...slackAllowListRoutes,
  ...providerRoutes,
  ...dlqRoutes,
  ...workflowRoutes,
];

const knownPaths = [
  ...new Set(routes.map((r) => new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`))),
];

/** A known path with another method is a 405; anything else a 404. */
function noRoute({ method, path }: { method: string; path: string }): never {
  const trimmed = path.replace(/\/+$/, '') || '/';
  if (knownPaths.some((known) => known.test(trimmed))) {
    throw new HttpError(405, `${method} is not allowed on ${trimmed}`);
  }
  throw new HttpError(404, `No route for ${method} ${trimmed}`);
}

/** API Gateway REST proxy integration for every Herald route. */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(traceHandler())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpErrors({ logger, metrics }))
  .handler(
    httpRouterHandler({
      routes: routes.map((route) => ({ ...route, handler: guarded(route) })),
      notFoundResponse: noRoute,
    }),
  );
