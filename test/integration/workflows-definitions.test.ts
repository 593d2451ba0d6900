import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient } from '../support/client';

// Workflow definitions on the local stack: drafts validated whole, immutable published versions.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

const escalation = {
  steps: [
    {
      id: 'push',
      type: 'send',
      channels: ['push'],
      content: { push: { title: 'Shipped', body: 'Your order shipped' } },
    },
    { id: 'seen', type: 'waitFor', step: 'push', status: 'delivered', timeout: '10m' },
    {
      id: 'escalate',
      type: 'branch',
      if: { step: 'seen', outcome: 'met' },
      whenTrue: [],
      whenFalse: [
        {
          id: 'sms',
          type: 'send',
          channels: ['sms'],
          content: { sms: { text: 'Your order shipped' } },
        },
      ],
    },
  ],
};

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
});
afterAll(() => stack?.stop());

describe('workflow definitions', () => {
  it('stores a draft, publishes immutable versions, and reads each one back', async () => {
    const put = await api.request('PUT', '/v1/workflows/order-shipped', escalation);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ key: 'order-shipped', draft: escalation });
    const v1 = await api.post('/v1/workflows/order-shipped/publish', {});
    expect(v1).toMatchObject({ status: 201, body: { version: 1 } });

    const changed = { ...escalation, steps: escalation.steps.slice(0, 1) };
    await api.request('PUT', '/v1/workflows/order-shipped', changed);
    const v2 = await api.post('/v1/workflows/order-shipped/publish', {});
    expect(v2.body).toMatchObject({ version: 2 });

    const first = await api.get('/v1/workflows/order-shipped?version=1');
    expect(first.body).toMatchObject({ version: 1, definition: escalation });
    const current = await api.get('/v1/workflows/order-shipped');
    expect(current.body).toMatchObject({ latestVersion: 2, draft: changed });
    const list = await api.get('/v1/workflows');
    expect((list.body.items as { key: string }[]).map((w) => w.key)).toContain('order-shipped');
  });

  it('answers a bad definition with 400 and each path, and stores nothing', async () => {
    const bad = {
      steps: [
        { id: 'push', type: 'send', channels: ['push'], content: { push: { body: 'no title' } } },
        { id: 'seen', type: 'waitFor', step: 'pusj', status: 'delivered', timeout: '400d' },
      ],
    };
    const answer = await api.request('PUT', '/v1/workflows/bad-one', bad);
    expect(answer.status).toBe(400);
    const paths = (answer.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['steps[0].content.push.title', 'steps[1].step', 'steps[1].timeout']),
    );
    expect((await api.get('/v1/workflows/bad-one')).status).toBe(404);
  });

  it('keeps another tenant out, and needs the admin scope to change a definition', async () => {
    const keys = new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    );
    const other = apiClient(stack, (await keys.create('wf-other')).key);
    expect((await other.get('/v1/workflows/order-shipped')).status).toBe(404);
    const reader = apiClient(stack, (await keys.create('wf-reader', { scopes: ['read'] })).key);
    expect((await reader.request('PUT', '/v1/workflows/x', escalation)).status).toBe(403);
  });
});
