import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { LiquidTemplateEngine } from '../adapters/templates/liquid-engine';
import { MjmlPackageCompiler } from '../adapters/templates/mjml-compiler';
import { HttpError, httpErrors } from '../runtime/http';
import { traceHandler } from '../runtime/tracing';
import { guarded, logger, metrics } from './api/context';
import { templateRoutes } from './api/templates';

/*
 * The templates function: every /v1/templates route (API Gateway sends them here, not to the api
 * function). It alone carries MJML (several MB), compiled at publish and for draft previews, so
 * neither the api function nor any sender loads it. The routes are the same objects the api's
 * OpenAPI document lists.
 */
const routes = templateRoutes(new MjmlPackageCompiler(), new LiquidTemplateEngine());

/** API Gateway REST proxy integration for /v1/templates and below. */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(traceHandler())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpErrors({ logger, metrics }))
  .handler(
    httpRouterHandler({
      routes: routes.map((route) => ({ ...route, handler: guarded(route) })),
      notFoundResponse: ({ method, path }) => {
        throw new HttpError(404, `No route for ${method} ${path}`);
      },
    }),
  );
