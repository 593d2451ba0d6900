import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import { AuthorizerResultCache } from './authorizer-cache';
import { createLambdaContext, type LambdaHandler } from './emulators/lambda';
import { closeServer, listen } from './emulators/net';
import { type Faults, faultRequestSchema } from './fakes/faults';
import type { UsagePlanLimiter } from './usage-plan';

export type ApiHandler = LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
export type AuthorizerHandler = LambdaHandler<
  APIGatewayRequestAuthorizerEvent,
  APIGatewayAuthorizerResult
>;

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

/** Read at most this much: API Gateway accepts 10 MB; Herald's own smaller limit is the handler's. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;
const ACCOUNT = '000000000000';
/** GET routes with no key (lib/constructs/api.ts gives them no authorizer). */
const PUBLIC_PATHS = ['/health', '/openapi.json'];
const API_ID = 'local';
const STAGE = 'local';

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
      result = await options.api(event, createLambdaContext('herald-api', options.region, 29_000));
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

/** `GET` shows what is set, `POST` sets or clears one channel's faults, `DELETE` clears all. */
async function faultsRoute(
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  faults: Faults,
): Promise<void> {
  if (method === 'GET') return sendJson(res, 200, faults.list());
  if (method === 'DELETE') {
    faults.clear();
    return sendJson(res, 200, faults.list());
  }
  if (method !== 'POST') {
    res.setHeader('allow', 'GET, POST, DELETE');
    return sendJson(res, 405, { message: 'Method Not Allowed' });
  }
  const body = await readBody(req, res);
  if (body === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return sendJson(res, 400, { message: 'The body must be JSON', errors: [] });
  }
  const result = faultRequestSchema.safeParse(parsed);
  if (!result.success) {
    return sendJson(res, 400, {
      message: 'Invalid fault',
      errors: result.error.issues.flatMap((issue) =>
        // An unknown field is reported at its own path, not at the object holding it.
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => ({ path: key, message: 'Unknown field' }))
          : [{ path: issue.path.join('.'), message: issue.message }],
      ),
    });
  }
  faults.apply(result.data);
  sendJson(res, 200, faults.list());
}

type AuthDecision =
  | { status: 200; context: Record<string, unknown>; usageIdentifier: string }
  | { status: 401 | 403 | 500 | 503; message: string };

/** Run the authorizer and map its answer the way API Gateway does. */
async function authorize(
  options: HttpApiOptions,
  cache: AuthorizerResultCache | undefined,
  event: APIGatewayRequestAuthorizerEvent,
): Promise<AuthDecision> {
  const authorizer = options.authorizer;
  if (!authorizer) {
    return { status: 503, message: 'functions/handlers/authorizer.ts is not written yet' };
  }
  const invoke = () =>
    authorizer(event, createLambdaContext('herald-authorizer', options.region, 10_000));
  // With a cache, the identity source (Authorization) is required: API Gateway answers 401
  // without calling the authorizer when it is missing.
  const identity = cache ? headerValue(event.headers, 'authorization') : undefined;
  if (cache && !identity) return { status: 401, message: 'Unauthorized' };
  let result: APIGatewayAuthorizerResult;
  try {
    result = cache && identity ? await cache.resolve(identity, invoke) : await invoke();
  } catch (error) {
    // Throwing exactly 'Unauthorized' is the documented way to get a 401 from API Gateway.
    if (error instanceof Error && error.message === 'Unauthorized') {
      return { status: 401, message: 'Unauthorized' };
    }
    options.log(`[herald-authorizer] threw: ${describe(error)}`);
    return { status: 500, message: 'Authorizer error' };
  }
  const statements = result?.policyDocument?.Statement ?? [];
  const applies = (statement: (typeof statements)[number]): boolean => {
    const resources = 'Resource' in statement ? [statement.Resource ?? []].flat() : [];
    return resources.some((pattern) => arnMatches(pattern, event.methodArn));
  };
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) {
    return {
      status: 403,
      message: 'User is not authorized to access this resource with an explicit deny',
    };
  }
  if (!statements.some((s) => s.Effect === 'Allow' && applies(s))) {
    return { status: 403, message: 'User is not authorized to access this resource' };
  }
  return {
    status: 200,
    context: { principalId: result.principalId, ...(result.context ?? {}) },
    usageIdentifier: result.usageIdentifierKey ?? `tenant:${result.principalId}`,
  };
}

function headerValue(
  headers: Record<string, string | undefined> | null,
  name: string,
): string | undefined {
  const entry = Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}

/** IAM-style match: `*` any run of characters, `?` one character. */
function arnMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`).test(arn);
}

/** Routes without the authorizer (lib/constructs/api.ts gives them AuthorizationType NONE). */
function isPublicRoute(method: string, path: string): boolean {
  return (
    (method === 'GET' && PUBLIC_PATHS.includes(path)) ||
    (method === 'POST' && path === '/v1/providers/twilio/status')
  );
}

function matchResource(path: string): {
  resource: string;
  pathParameters: Record<string, string> | null;
} {
  const suppression = /^\/v1\/suppressions\/([^/]+)\/([^/]+)$/.exec(path);
  if (suppression?.[1] && suppression[2]) {
    return {
      resource: '/v1/suppressions/{channel}/{recipient}',
      pathParameters: { channel: decodeOr(suppression[1]), recipient: decodeOr(suppression[2]) },
    };
  }
  const match = /^\/v1\/notifications\/([^/]+)$/.exec(path);
  if (match?.[1]) {
    return {
      resource: '/v1/notifications/{id}',
      // API Gateway passes a malformed %-escape through undecoded; so does this.
      pathParameters: { id: decodeOr(match[1]) },
    };
  }
  const webhook = /^\/v1\/webhooks\/([^/]+)(\/test|\/rotate-secret)?$/.exec(path);
  if (webhook?.[1]) {
    return {
      resource: `/v1/webhooks/{id}${webhook[2] ?? ''}`,
      pathParameters: { id: decodeOr(webhook[1]) },
    };
  }
  return { resource: path, pathParameters: null };
}

/** API Gateway keeps the client's header-name case; the last value wins in `headers`. */
function collectHeaders(rawHeaders: string[]): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    headers[name] = value;
    const values = multiValueHeaders[name] ?? [];
    values.push(value);
    multiValueHeaders[name] = values;
  }
  return { headers, multiValueHeaders };
}

/** API Gateway sends null, not {}, when there is no query string. */
function collectQuery(url: URL): {
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
} {
  const keys = [...new Set(url.searchParams.keys())];
  if (keys.length === 0) {
    return { queryStringParameters: null, multiValueQueryStringParameters: null };
  }
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const key of keys) {
    const values = url.searchParams.getAll(key);
    multi[key] = values;
    single[key] = values[values.length - 1] ?? '';
  }
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

function requestContext(
  httpMethod: string,
  path: string,
  resourcePath: string,
  requestId: string,
  sourceIp: string,
  userAgent: string | null,
): Omit<APIGatewayProxyEvent['requestContext'], 'authorizer'> {
  return {
    accountId: ACCOUNT,
    apiId: API_ID,
    protocol: 'HTTP/1.1',
    httpMethod,
    identity: {
      accessKey: null,
      accountId: null,
      apiKey: null,
      apiKeyId: null,
      caller: null,
      clientCert: null,
      cognitoAuthenticationProvider: null,
      cognitoAuthenticationType: null,
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      principalOrgId: null,
      sourceIp,
      user: null,
      userAgent,
      userArn: null,
    },
    path: `/${STAGE}${path}`,
    stage: STAGE,
    requestId,
    requestTimeEpoch: Date.now(),
    resourceId: 'local',
    resourcePath,
  };
}

/** The body, or undefined after answering 413 when it is over the limit. */
async function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  const tooLarge = () => {
    // Close the connection: the rest of an oversized upload is not worth reading.
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ message: 'Request Entity Too Large' }));
    res.once('finish', () => req.destroy());
    return undefined;
  };
  if (Number(req.headers['content-length'] ?? 0) > MAX_REQUEST_BYTES) return tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function writeResult(res: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
  const headers: Record<string, string | string[]> = { 'x-amzn-RequestId': requestId };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name] = values.map(String);
  }
  const body = result.isBase64Encoded
    ? Buffer.from(result.body ?? '', 'base64')
    : Buffer.from(result.body ?? '', 'utf8');
  headers['content-length'] = String(body.length);
  res.writeHead(result.statusCode, headers);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, payload: unknown, requestId?: string): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(requestId ? { 'x-amzn-RequestId': requestId } : {}),
  });
  res.end(body);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function decodeOr(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
