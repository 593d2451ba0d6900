import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { ApiKeyStore } from '../adapters/dynamodb/api-key-store';
import { type ApiKeyRecord, keyFromHeaders, scopesOf } from '../core/access/api-keys';
import { dynamo } from '../runtime/aws-clients';
import { loadTableName } from '../runtime/config';
import { createLogger, createMetrics, serviceName } from '../runtime/powertools';
import { traceHandler } from '../runtime/tracing';

const keys = new ApiKeyStore(dynamo, loadTableName());
const logger = createLogger(serviceName('herald-authorizer'));
const metrics = createMetrics(serviceName('herald-authorizer'), logger);

// API Gateway can cache authorizer answers only when every identity source is present, which
// rules out "Authorization or x-api-key"; so verified keys are cached here instead, for the same
// short time a gateway cache would use. A revoked key stops working within the cache time. With
// the gateway cache on (authorizerCacheSeconds > 0) the stack sets this to 0: the gateway caches.
const CACHE_MS = Number(process.env.AUTHORIZER_CACHE_SECONDS ?? 60) * 1000;
const CACHE_LIMIT = 1_000;
const verified = new Map<string, { record: ApiKeyRecord; until: number }>();

async function verify(key: string): Promise<ApiKeyRecord | undefined> {
  const now = Date.now();
  const cached = verified.get(key);
  if (cached && cached.until > now) return cached.record;
  const record = await keys.verify(key);
  if (!record) {
    verified.delete(key);
    return undefined;
  }
  if (verified.size >= CACHE_LIMIT) verified.clear();
  verified.set(key, { record, until: now + CACHE_MS });
  return record;
}

/**
 * Every method and path of the caller's stage, so one cached answer serves the whole API.
 * `methodArn` is `arn:aws:execute-api:REGION:ACCOUNT:APIID/STAGE/METHOD/PATH`.
 */
export function stageWildcard(methodArn: string): string {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage}/*`;
}

/**
 * REQUEST authorizer: the key from `Authorization: Bearer` or `x-api-key`, looked up by its
 * SHA-256 in the table. Unknown or revoked keys get API Gateway's 401 ("Unauthorized" thrown).
 * The tenant id becomes the principal and `context.tenantId`; the key's scopes go in
 * `context.scopes`, space-separated (context values must be strings), and the api function checks
 * them per route. `usageIdentifierKey` is the tenant's API Gateway key, which selects its usage plan.
 */
async function authorize(
  event: APIGatewayRequestAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> {
  const key = keyFromHeaders(event.headers);
  if (!key) throw new Error('Unauthorized');
  const record = await verify(key);
  if (!record) {
    logger.info('rejected API key');
    metrics.addMetric('ApiKeyRejected', MetricUnit.Count, 1);
    throw new Error('Unauthorized');
  }
  return {
    principalId: record.tenantId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWildcard(event.methodArn) },
      ],
    },
    context: {
      tenantId: record.tenantId,
      keyId: record.keyId,
      scopes: scopesOf(record).join(' '),
    },
    ...(record.usagePlanKey ? { usageIdentifierKey: record.usagePlanKey } : {}),
  };
}

export const handler = middy(authorize)
  .use(traceHandler())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
