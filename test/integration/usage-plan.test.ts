import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient } from '../support/client';

// The local API applies a usage plan per tenant as API Gateway does: 429 with Retry-After.

let stack: LocalStack;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    log: () => undefined,
    pollers: false,
    usagePlan: { rateLimit: 1, burstLimit: 2, quota: { limit: 4, period: 'DAY' } },
  });
});
afterAll(() => stack?.stop());

const raw = (key: string) =>
  fetch(`${stack.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } });

describe('usage plan (local)', () => {
  it('throttles a tenant past its burst, then its daily quota; other tenants are not affected', async () => {
    const api = apiClient(stack);
    expect((await api.get('/v1/me')).status).toBe(200);
    expect((await api.get('/v1/me')).status).toBe(200);
    const throttled = await raw(stack.devApiKey);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(await throttled.json()).toEqual({ message: 'Too Many Requests' });
    expect((await api.get('/v1/me')).status).toBe(429);

    const keys = new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    );
    const other = apiClient(stack, (await keys.create('usage-other')).key);
    expect((await other.get('/v1/me')).status).toBe(200);

    await sleep(1_100);
    expect((await api.get('/v1/me')).status).toBe(200);
    await sleep(1_100);
    expect((await api.get('/v1/me')).status).toBe(200);
    await sleep(1_100);
    // Four requests today: the quota is spent until the next UTC day.
    const spent = await raw(stack.devApiKey);
    expect(spent.status).toBe(429);
    expect(await spent.json()).toEqual({ message: 'Limit Exceeded' });
    const retryAfter = Number(spent.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
  }, 20_000);

  it('never throttles the keyless routes', async () => {
    for (let i = 0; i < 5; i++) expect((await fetch(`${stack.url}/health`)).status).toBe(200);
  });
});
