import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { HttpError, httpErrors } from '../../runtime/http';
import { traceHandler } from '../../runtime/tracing';
import { type ApiRoute, guarded, logger, metrics } from './context';

/**
 * An API Gateway REST proxy handler for `routes`: tracing, logging, metrics, Herald's error
 * answers, each route's access check; a known path with another method is a 405, anything else
 * a 404 (as the api function answers).
 */
export function routeHandler(routes: readonly ApiRoute[]) {
  const knownPaths = [
    ...new Set(routes.map((r) => new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`))),
  ];
  const noRoute = ({ method, path }: { method: string; path: string }): never => {
    const trimmed = path.replace(/\/+$/, '') || '/';
    if (knownPaths.some((known) => known.test(trimmed))) {
      throw new HttpError(405, `${method} is not allowed on ${trimmed}`);
    }
    throw new HttpError(404, `No route for ${method} ${trimmed}`);
  };
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
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
}
