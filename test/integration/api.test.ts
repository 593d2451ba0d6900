import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { generateApiKey, hashApiKey } from '../../functions/core/access/api-keys';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient } from '../support/client';

// The HTTP contract on the local stack: what a client sees for bad input, missing keys and
// other tenants' notifications, and proof that a rejected request enqueues nothing.

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

const valid = { channels: { sms: { to: ['+14155550100'], text: 'hi' } } };

describe('errors', () => {
  it('400 with the field path for an invalid field, and nothing is sent', async () => {
    const before = stack.outbox.list().length;
    const answer = await api.post('/v1/notifications', {
      channels: {
        email: { to: ['ok@example.com', 'not-an-address'], subject: 's', text: 't' },
        sms: { to: ['+14155550100'], text: 'valid part of an invalid request' },
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ path: 'channels.email.to[1]', message: expect.any(String) }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(stack.outbox.list().length).toBe(before);
  });

  it('400 for malformed JSON, 415 for a non-JSON body, 413 over the size limit', async () => {
    expect((await api.post('/v1/notifications', '{"channels":')).status).toBe(400);
    const form = await api.request('POST', '/v1/notifications', 'a=b', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    const huge = { channels: { slack: { channel: '#x', text: 'x'.repeat(600 * 1024) } } };
    const tooLarge = await api.post('/v1/notifications', huge);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.message).toEqual(expect.any(String));
  });

  it('400 listing the allowed values for an unknown dispatch type', async () => {
    const answer = await api.post('/notification/dispatch', { type: 'fax', message: 'x' });
    expect(answer.status).toBe(400);
    const error = (answer.body.errors as { path: string; message: string }[])[0];
    expect(error?.path).toBe('type');
    expect(error?.message).toMatch(/email.*push.*SMS.*MQTT.*slack/);
  });

  it('400 for a "*" dispatch with no channel block', async () => {
    const answer = await api.post('/notification/dispatch', { type: '*', message: 'x' });
    expect(answer.status).toBe(400);
  });

  it('never answers 5xx for odd JSON', async () => {
    for (const body of [
      'null',
      '[]',
      '42',
      '"x"',
      '{"channels":null}',
      '{"channels":{"sms":[]}}',
    ]) {
      const answer = await api.post('/v1/notifications', body);
      expect(answer.status, body).toBe(400);
    }
  });

  it('404 for an unknown notification, and for an id that is not even a valid escape', async () => {
    expect((await api.get('/v1/notifications/does-not-exist')).status).toBe(404);
    expect((await api.get('/v1/notifications/%E0%A4%A')).status).toBe(404);
  });
});

describe('API keys', () => {
  it('401 without a key or with an unknown one; /health needs none', async () => {
    const anonymous = await fetch(`${stack.url}/v1/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(valid),
    });
    expect(anonymous.status).toBe(401);
    expect((await apiClient(stack, 'hk_wrong').post('/v1/notifications', valid)).status).toBe(401);
    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
  });

  it('accepts the key in x-api-key as well as Authorization: Bearer', async () => {
    const answer = await fetch(`${stack.url}/v1/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': stack.devApiKey },
      body: JSON.stringify(valid),
    });
    expect(answer.status).toBe(202);
  });

  it('a tenant reads only its own notifications; a revoked key stops working', async () => {
    const created = await api.post('/v1/notifications', valid);
    expect(created.status).toBe(202);
    const { key, record } = await keys.create('other-tenant');
    const other = apiClient(stack, key);
    expect((await other.get(`/v1/notifications/${created.body.id}`)).status).toBe(404);
    expect((await other.delete(`/v1/notifications/${created.body.id}`)).status).toBe(404);
    expect((await api.get(`/v1/notifications/${created.body.id}`)).status).toBe(200);

    expect(await keys.revoke(record.keyId)).toBe(true);
    expect((await other.post('/v1/notifications', valid)).status).toBe(401);
    expect((await keys.list()).find((k) => k.keyId === record.keyId)?.revokedAt).toEqual(
      expect.any(String),
    );
  });
});

describe('scopes', () => {
  it('GET /v1/me names the tenant, the key and its scopes; the dev key has every scope', async () => {
    const me = await api.get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      tenantId: 'local',
      keyId: expect.any(String),
      scopes: ['send', 'read', 'admin'],
    });
  });

  it('a key without a scope gets a 403 that names it; with it, the route answers', async () => {
    const reader = apiClient(stack, (await keys.create('scoped', { scopes: ['read'] })).key);
    const denied = await reader.post('/v1/notifications', valid);
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/"send" scope/);
    expect((await reader.post('/notification/dispatch', { type: 'sms' })).status).toBe(403);
    expect((await reader.get('/v1/me')).body.scopes).toEqual(['read']);

    const sender = apiClient(stack, (await keys.create('scoped', { scopes: ['send'] })).key);
    const sent = await sender.post('/v1/notifications', valid);
    expect(sent.status).toBe(202);
    const unread = await sender.get(`/v1/notifications/${sent.body.id}`);
    expect(unread.status).toBe(403);
    expect(unread.body.message).toMatch(/"read" scope/);
    expect((await reader.get(`/v1/notifications/${sent.body.id}`)).status).toBe(200);
    expect((await reader.delete(`/v1/notifications/${sent.body.id}`)).status).toBe(403);
  });

  it('a key stored before scopes existed may send and read, not administer', async () => {
    const { key, keyId } = generateApiKey();
    // The item as the keys CLI wrote it before scopes: no `scopes` attribute.
    await DynamoDBDocumentClient.from(new DynamoDBClient({})).send(
      new PutCommand({
        TableName: stack.env.TABLE_NAME,
        Item: {
          pk: `APIKEY#${hashApiKey(key)}`,
          sk: 'APIKEY',
          gsi1pk: 'APIKEY',
          gsi1sk: keyId,
          keyId,
          tenantId: 'legacy',
          createdAt: new Date().toISOString(),
        },
      }),
    );
    const legacy = apiClient(stack, key);
    expect((await legacy.get('/v1/me')).body).toEqual({
      tenantId: 'legacy',
      keyId,
      scopes: ['send', 'read'],
    });
    const sent = await legacy.post('/v1/notifications', valid);
    expect(sent.status).toBe(202);
    expect((await legacy.get(`/v1/notifications/${sent.body.id}`)).status).toBe(200);
  });
});
