import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { isManagementPath } from '../functions/handlers/api/management-paths';
import { AuthorizerResultCache } from './authorizer-cache';
import { createLambdaContext, type LambdaHandler } from './emulators/lambda';
import { closeServer, listen } from './emulators/net';
import type { Faults } from './fakes/faults';
import { type AuthorizerHandler, authorize } from './http-api/authorize';
import { faultsRoute } from './http-api/faults-route';
import {
  ACCOUNT,
  API_ID,
  collectHeaders,
  collectQuery,
  isPublicRoute,
  matchResource,
  requestContext,
  STAGE,
} from './http-api/proxy-event';
import { describe, readBody, sendJson, writeResult } from './http-api/responses';
import type { UsagePlanLimiter } from './usage-plan';

export type { AuthorizerHandler } from './http-api/authorize';
export { MAX_REQUEST_BYTES } from './http-api/responses';

export type ApiHandler = LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;

export interface HttpApiOptions {
  /** Per-tenant throttle and quota (local/usage-plan.ts); undefined: none. */
  usagePlan?: UsagePlanLimiter;
  host: string;
  /** 0 picks a free port. */
  port: number;
  region: string;
  /** functions/handlers/api.ts; undefined while it is not written (answers 503). */
  api: ApiHandler | undefined;
  /** functions/handlers/authorizer.ts; undefined means every protected route is refused. */
  authorizer: AuthorizerHandler | undefined;
  /** functions/handlers/templates.ts: serves `/v1/templates` and below, as API Gateway routes it. */
  templates?: ApiHandler;
  /** functions/handlers/manage.ts: the management routes and /openapi.json (isManagementPath). */
  manage?: ApiHandler;
  /** functions/handlers/console.ts: serves `/`, `/console` and `/console/*` without a key. */
  console?: ApiHandler;
  /** What `GET /_local/outbox` and `GET /_local/dlq` answer; what `/_local/faults` changes. */
  local: { outbox(): unknown; dlq(): Promise<unknown>; faults: Faults };
  log: (line: string) => void;
  /**
   * API Gateway's authorizer result cache TTL (the stage's `authorizerCacheSeconds`). 0, the
   * default, runs the authorizer on every request, as the deployed default does.
   */
  authorizerCacheSeconds?: number;
}

/** The local stand-in for API Gateway: a URL and a way to close it. */
export interface HttpApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Turn plain HTTP requests into the API Gateway REST proxy events the api function gets in AWS,
 * running the REQUEST authorizer first exactly where API Gateway would.
 */
export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const cacheSeconds = options.authorizerCacheSeconds ?? 0;
  const authorizerCache = cacheSeconds > 0 ? new AuthorizerResultCache(cacheSeconds) : undefined;
  const server = createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      options.log(`[http] ${req.method} ${req.url} failed: ${describe(error)}`);
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal server error' });
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/_local/outbox') {
      sendJson(res, 200, options.local.outbox());
      return;
    }
    if (method === 'GET' && url.pathname === '/_local/dlq') {
      sendJson(res, 200, await options.local.dlq());
      return;
    }
    if (url.pathname === '/_local/faults') {
      await faultsRoute(req, res, method, options.local.faults);
      return;
    }
    if (url.pathname.startsWith('/_local/')) {
      sendJson(res, 404, { message: 'Not Found' });
      return;
    }

    const body = await readBody(req, res);
    if (body === undefined) return;

    const requestId = randomUUID();
    const { resource, pathParameters } = matchResource(url.pathname);
    const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
    const { headers, multiValueHeaders } = collectHeaders([
      ...req.rawHeaders,
      // API Gateway adds these; handlers that log the caller read X-Forwarded-For.
      ...['X-Forwarded-For', sourceIp, 'X-Forwarded-Proto', 'http'],
      ...['X-Forwarded-Port', String(req.socket.localPort ?? '')],
    ]);
    const { queryStringParameters, multiValueQueryStringParameters } = collectQuery(url);
    const userAgent = req.headers['user-agent'] ?? null;
    const proxyEvent = (authorizer: Record<string, unknown> | null): APIGatewayProxyEvent => ({
      resource,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters,
      multiValueQueryStringParameters,
      pathParameters,
      stageVariables: null,
      requestContext: {
        ...requestContext(method, url.pathname, resource, requestId, sourceIp, userAgent),
        authorizer,
      },
      body: body.length > 0 ? body.toString('utf8') : null,
      isBase64Encoded: false,
    });

    // Like the deployed API, the console's routes are served by their own function, no key.
    const consolePath = url.pathname === '/' || /^\/console(\/|$)/.test(url.pathname);
    if (options.console && consolePath && (method === 'GET' || method === 'HEAD')) {
      const context = createLambdaContext('herald-console', options.region, 29_000);
      writeResult(res, await options.console(proxyEvent(null), context), requestId);
      return;
    }

    let authorizerContext: Record<string, unknown> | null = null;
    // Like the deployed API, these routes are served without the authorizer: health, and
    // provider callbacks, which carry the provider's signature instead of an API key.
    if (!isPublicRoute(method, url.pathname)) {
      const methodArn = `arn:aws:execute-api:${options.region}:${ACCOUNT}:${API_ID}/${STAGE}/${method}${url.pathname}`;
      const decision = await authorize(options, authorizerCache, {
        type: 'REQUEST',
        methodArn,
        resource,
        path: url.pathname,
        httpMethod: method,
        headers,
        multiValueHeaders,
        pathParameters,
        queryStringParameters,
        multiValueQueryStringParameters,
        stageVariables: null,
        requestContext: {
          ...requestContext(method, url.pathname, resource, requestId, sourceIp, userAgent),
          authorizer: undefined,
        },
      });
      if (decision.status !== 200) {
        sendJson(res, decision.status, { message: decision.message }, requestId);
        return;
      }
      authorizerContext = decision.context;
      // The usage plan counts against the key the authorizer names, else the tenant.
      const throttled = options.usagePlan?.take(decision.usageIdentifier);
      if (throttled) {
        res.setHeader('Retry-After', String(throttled.retryAfterSeconds));
        sendJson(res, 429, { message: throttled.message }, requestId);
        return;
      }
    }

    if (!options.api) {
      sendJson(res, 503, { message: 'functions/handlers/api.ts is not written yet' }, requestId);
      return;
    }
    const event = proxyEvent(authorizerContext);
    let result: APIGatewayProxyResult;
    try {
      // Like the deployed API, /v1/templates goes to the templates function (it carries MJML).
      // and the management routes to the manage function (functions/handlers/api/management-paths.ts).
      const templates = options.templates && /^\/v1\/templates(\/|$)/.test(url.pathname);
      const manage = !templates && options.manage && isManagementPath(url.pathname);
      const target = templates ? options.templates : manage ? options.manage : options.api;
      const name = templates ? 'herald-templates' : manage ? 'herald-manage' : 'herald-api';
      result = await (target as ApiHandler)(
        event,
        createLambdaContext(name, options.region, 29_000),
      );
    } catch (error) {
      // API Gateway answers 502 when the integration fails; the cause is only in the logs.
      options.log(`[herald-api] handler threw: ${describe(error)}`);
      sendJson(res, 502, { message: 'Internal server error' }, requestId);
      return;
    }
    if (!result || typeof result.statusCode !== 'number') {
      options.log('[herald-api] handler returned a malformed proxy result');
      sendJson(res, 502, { message: 'Internal server error' }, requestId);
      return;
    }
    writeResult(res, result, requestId);
  }

  const address = await listen(server, options.port, options.host);
  return {
    url: `http://${options.host}:${address.port}`,
    port: address.port,
    close: () => closeServer(server),
  };
}
