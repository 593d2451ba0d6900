import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { HttpError, httpErrors } from '../runtime/http';
import { traceHandler } from '../runtime/tracing';
import { type ApiRoute, guarded, logger, metrics } from './api/context';
import { healthRoute } from './api/health';
import { sendRoutes } from './api/send-routes';

/**
 * The api function's routes: the send and read path. /openapi.json, the management routes
 * (api/management-routes.ts) and /v1/templates are served by the manage and templates functions
 * (handlers/manage.ts, handlers/templates.ts), so this bundle loads none of them.
 */
const routes: ApiRoute[] = [healthRoute, ...sendRoutes];

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

/** API Gateway REST proxy integration for the send and read routes and /health. */
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
