import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { loadHandler } from '../local/emulators/lambda';
import type { LocalStack } from '../local/stack';

/** What every bench section shares: output lines, percentiles, the api handler and its events. */

export const quiet = () => undefined;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}
export const ms = (v: number) => `${v.toFixed(1)} ms`;
export function line(label: string, value: string) {
  console.log(`  ${label.padEnd(58)} ${value}`);
}

export function servicesOf(stack: LocalStack): Record<string, string> {
  const services: Record<string, string> = {};
  for (const [variable, name] of [
    ['AWS_ENDPOINT_URL_DYNAMODB', 'dynamodb'],
    ['AWS_ENDPOINT_URL_SESV2', 'sesv2'],
    ['AWS_ENDPOINT_URL_IOT_DATA_PLANE', 'iot-data'],
    ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'secretsmanager'],
    ['AWS_ENDPOINT_URL_SCHEDULER', 'scheduler'],
  ] as const) {
    const url = stack.env[variable];
    if (url) services[`${new URL(url).hostname}:${new URL(url).port}`] = name;
  }
  return services;
}

export function apiEvent(body: unknown, query?: Record<string, string>): APIGatewayProxyEvent {
  return {
    httpMethod: body === undefined ? 'GET' : 'POST',
    path: '/v1/notifications',
    resource: '/v1/notifications',
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: {},
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
    pathParameters: null,
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      authorizer: { tenantId: 'bench', scopes: 'send read' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

let instances = 0;
/** A fresh copy of the api handler built from the current stack's environment (a cold start). */
export async function apiHandler() {
  const handler = await loadHandler<APIGatewayProxyEvent, APIGatewayProxyResult>(
    'api',
    `bench-${++instances}`,
  );
  if (!handler) throw new Error('functions/handlers/api.ts is missing');
  return handler;
}

export const context = { functionName: 'bench', awsRequestId: 'bench' } as unknown as Context;
// Ending in 7: the local Twilio fake reads numbers ending 0001-0006 as failure conventions.
export const numbers = (n: number, offset: number) =>
  Array.from({ length: n }, (_, i) => `+1415${String(offset + i).padStart(6, '0')}7`);
