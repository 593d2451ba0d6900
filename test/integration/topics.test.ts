import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient } from '../support/client';

// Topics on the local stack: create, subscribe (per-item results), list, unsubscribe, and a
// recipient's erase taking them out of every topic.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let keys: ApiKeyStore;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
  keys = new ApiKeyStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({})),
    stack.env.TABLE_NAME ?? '',
  );
});
afterAll(() => stack?.stop());

const put = (id: string) =>
  api.request('PUT', `/v1/recipients/${id}`, { emails: [`${id}@topics.example`] });

async function allSubscribers(key: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const query = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await api.get(`/v1/topics/${key}/subscribers?${query}`);
    expect(page.status).toBe(200);
    ids.push(...(page.body.items as string[]));
    cursor = page.body.nextCursor as string | undefined;
  } while (cursor);
  return ids;
}

describe('topics', () => {
  it('creates, renames and lists topics', async () => {
    const created = await api.request('PUT', '/v1/topics/plan-pro', { name: 'Plan Pro' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'plan-pro', name: 'Plan Pro' });
    const renamed = await api.request('PUT', '/v1/topics/plan-pro', { name: 'Pro plan' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.createdAt).toBe(created.body.createdAt);
    await api.request('PUT', '/v1/topics/fleet.7', {});
    const list = await api.get('/v1/topics');
    expect(list.status).toBe(200);
    const items = list.body.items as { key: string; name?: string }[];
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'plan-pro', name: 'Pro plan' }),
        expect.objectContaining({ key: 'fleet.7' }),
      ]),
    );
  });

  it('refuses a key outside the rules with a 400 naming it', async () => {
    for (const key of ['has%20space', 'a'.repeat(65), '-leading', 'x%23y']) {
      const answer = await api.request('PUT', `/v1/topics/${key}`, {});
      expect(answer.status, key).toBe(400);
      expect(answer.body.errors).toEqual([expect.objectContaining({ path: 'key' })]);
    }
  });

  it('subscribes known ids, reports unknown and malformed ones per item, and is idempotent', async () => {
    await api.request('PUT', '/v1/topics/match-42', {});
    const ids = Array.from({ length: 40 }, (_, n) => `fan-${n}`);
    for (const id of ids) await put(id);
    const answer = await api.post('/v1/topics/match-42/subscribers', {
      ids: [...ids, 'nobody-here', 'bad id!'],
    });
    expect(answer.status).toBe(200);
    const results = answer.body.results as { id: string; status: string; errors?: unknown[] }[];
    expect(results.filter((r) => r.status === 'subscribed')).toHaveLength(40);
    expect(results.find((r) => r.id === 'nobody-here')).toMatchObject({
      status: 'error',
      errors: [expect.objectContaining({ path: 'ids[40]', message: 'no recipient with this id' })],
    });
    expect(results.find((r) => r.id === 'bad id!')).toMatchObject({
      status: 'error',
      errors: [expect.objectContaining({ path: 'ids[41]' })],
    });
    // Again: still 40 subscribers, each once, over pages of 7.
    await api.post('/v1/topics/match-42/subscribers', { ids: ids.slice(0, 10) });
    const listed = await allSubscribers('match-42', 7);
    expect(listed.sort()).toEqual([...ids].sort());
  });

  it('unsubscribes one id; a recipient erased is in no topic any more', async () => {
    await api.request('PUT', '/v1/topics/t-a', {});
    await api.request('PUT', '/v1/topics/t-b', {});
    for (const id of ['u-1', 'u-2']) await put(id);
    await api.post('/v1/topics/t-a/subscribers', { ids: ['u-1', 'u-2'] });
    await api.post('/v1/topics/t-b/subscribers', { ids: ['u-1', 'u-2'] });

    expect((await api.delete('/v1/topics/t-a/subscribers/u-2')).status).toBe(204);
    expect((await api.delete('/v1/topics/t-a/subscribers/u-2')).status).toBe(404);
    expect(await allSubscribers('t-a', 100)).toEqual(['u-1']);

    expect((await api.delete('/v1/recipients/u-1')).status).toBe(204);
    expect(await allSubscribers('t-a', 100)).toEqual([]);
    expect(await allSubscribers('t-b', 100)).toEqual(['u-2']);
  });

  it('404 for subscribers of a topic that does not exist; 400 for a bad body', async () => {
    await put('lonely');
    const missing = await api.post('/v1/topics/no-such-topic/subscribers', { ids: ['lonely'] });
    expect(missing.status).toBe(404);
    expect((await api.get('/v1/topics/no-such-topic/subscribers')).status).toBe(404);
    await api.request('PUT', '/v1/topics/t-body', {});
    const tooMany = await api.post('/v1/topics/t-body/subscribers', {
      ids: Array.from({ length: 1001 }, (_, n) => `x${n}`),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ path: 'ids' })]);
  });

  it('needs the right scope: read lists, admin creates, send subscribes', async () => {
    const reader = apiClient(stack, (await keys.create('topics-read', { scopes: ['read'] })).key);
    expect((await reader.get('/v1/topics')).status).toBe(200);
    expect((await reader.request('PUT', '/v1/topics/by-reader', {})).status).toBe(403);
    expect((await reader.post('/v1/topics/plan-pro/subscribers', { ids: ['fan-1'] })).status).toBe(
      403,
    );
  });
});
