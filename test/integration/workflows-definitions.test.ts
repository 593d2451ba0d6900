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
  const admin = apiClient(stack);
  const template = { defaultLocale: 'en', locales: { en: { sms: { text: 'Hi' } } } };
  expect((await admin.request('PUT', '/v1/templates/wf-def', template)).status).toBe(200);
  expect((await admin.post('/v1/templates/wf-def/publish', {})).status).toBe(201);
  const category = { name: 'Orders', defaults: {} };
  expect((await admin.request('PUT', '/v1/categories/orders', category)).status).toBe(201);
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

  it('refuses a send naming a template or category that does not exist: 422 at the path, at PUT and at publish', async () => {
    const send = (template: unknown, category?: string) => ({
      steps: [
        {
          id: 'tell',
          type: 'send',
          template,
          channels: ['sms'],
          ...(category !== undefined && { category }),
        },
      ],
    });
    const unknown = await api.request('PUT', '/v1/workflows/templated', {
      steps: [
        ...send({ key: 'no-such-template' }, 'no-such-category').steps,
        {
          id: 'later',
          type: 'branch',
          if: { path: 'data.x', exists: true },
          whenTrue: [{ id: 'pinned', type: 'send', template: { key: 'wf-def', version: 9 } }],
          whenFalse: [],
        },
      ],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([
      {
        path: 'steps[0].template.key',
        message: 'Template no-such-template has no published version',
      },
      { path: 'steps[0].category', message: expect.stringMatching(/is not a category/) },
      {
        path: 'steps[1].whenTrue[0].template.version',
        message: 'Template wf-def has no version 9',
      },
    ]);
    expect((await api.get('/v1/workflows/templated')).status).toBe(404);

    // Exactly one of template and content; mode any needs the channels to try.
    const both = await api.request('PUT', '/v1/workflows/templated', {
      steps: [
        {
          id: 'a',
          type: 'send',
          template: { key: 'wf-def' },
          channels: ['sms'],
          content: { sms: { text: 'x' } },
        },
        { id: 'b', type: 'send', template: { key: 'wf-def' }, mode: 'any' },
      ],
    });
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual([
      { path: 'steps[0]', message: 'needs exactly one of template, content' },
      { path: 'steps[1].channels', message: expect.stringMatching(/is required with mode any/) },
    ]);

    // Valid at PUT; the template archived before publish: publish is refused at the same path.
    expect(
      (await api.request('PUT', '/v1/workflows/templated', send({ key: 'wf-def' }, 'orders')))
        .status,
    ).toBe(200);
    expect((await api.delete('/v1/templates/wf-def')).status).toBe(204);
    const publish = await api.post('/v1/workflows/templated/publish', {});
    expect(publish.status).toBe(422);
    expect(publish.body.errors).toEqual([
      { path: 'steps[0].template.key', message: 'Template wf-def is archived' },
    ]);
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
