import type { APIGatewayProxyEvent } from 'aws-lambda';

/** The pieces of the REST proxy event API Gateway builds from a request. */

export const ACCOUNT = '000000000000';
/** GET routes with no key (lib/constructs/api.ts gives them no authorizer). */
const PUBLIC_PATHS = ['/health', '/openapi.json'];
export const API_ID = 'local';
export const STAGE = 'local';

/** Routes without the authorizer (lib/constructs/api.ts gives them AuthorizationType NONE). */
export function isPublicRoute(method: string, path: string): boolean {
  return (
    (method === 'GET' && PUBLIC_PATHS.includes(path)) ||
    (method === 'POST' && path === '/v1/providers/twilio/status') ||
    // One-click unsubscribe and the preference page: the signed token is the credential.
    ((method === 'GET' || method === 'POST') && path === '/v1/unsubscribe')
  );
}

export function matchResource(path: string): {
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
  const recipient = /^\/v1\/recipients\/([^/]+)(\/preferences)?$/.exec(path);
  if (recipient?.[1] && recipient[1] !== 'batch') {
    return {
      resource: `/v1/recipients/{id}${recipient[2] ?? ''}`,
      pathParameters: { id: decodeOr(recipient[1]) },
    };
  }
  const category = /^\/v1\/categories\/([^/]+)$/.exec(path);
  if (category?.[1]) {
    return { resource: '/v1/categories/{key}', pathParameters: { key: decodeOr(category[1]) } };
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
export function collectHeaders(rawHeaders: string[]): {
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
export function collectQuery(url: URL): {
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

export function requestContext(
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

function decodeOr(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
