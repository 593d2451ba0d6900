import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { AuthorizerResultCache } from '../authorizer-cache';
import { createLambdaContext, type LambdaHandler } from '../emulators/lambda';
import { describe } from './responses';

export type AuthorizerHandler = LambdaHandler<
  APIGatewayRequestAuthorizerEvent,
  APIGatewayAuthorizerResult
>;

/** What the authorizer step needs of the HTTP API's options. */
export interface AuthorizerSetup {
  /** functions/handlers/authorizer.ts; undefined means every protected route is refused. */
  authorizer: AuthorizerHandler | undefined;
  region: string;
  log: (line: string) => void;
}

export type AuthDecision =
  | { status: 200; context: Record<string, unknown>; usageIdentifier: string }
  | { status: 401 | 403 | 500 | 503; message: string };

/** Run the authorizer and map its answer the way API Gateway does. */
export async function authorize(
  options: AuthorizerSetup,
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
