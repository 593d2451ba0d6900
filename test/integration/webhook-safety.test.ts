import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoWebhookStore } from '../../functions/adapters/dynamodb/webhook-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';
import { startReceiver } from '../support/webhook-receiver';

// The local stack with the deployed setting (WEBHOOK_ALLOW_HTTP / _PRIVATE_NETWORKS false):
// the same functions refuse receivers on loopback, private and link-local addresses.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startLocalStack({ port: 0, log: () => undefined, webhookAllowPrivate: false });
  api = apiClient(stack);
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

describe('webhook URLs in deployed mode', () => {
  it.each([
    ['http://example.com/hook', 'must be an https URL'],
    ['http://127.0.0.1:8080/hook', 'must be an https URL'],
    ['https://127.0.0.1/hook', 'non-public'],
    ['https://localhost/hook', 'non-public'],
    ['https://10.0.0.7/hook', 'non-public'],
    ['https://192.168.1.1/hook', 'non-public'],
    ['https://169.254.169.254/latest/meta-data', 'non-public'],
    ['https://[::1]/hook', 'non-public'],
    ['https://[fd12:3456::1]/hook', 'non-public'],
    ['https://[::ffff:127.0.0.1]/hook', 'non-public'],
    ['https://[::127.0.0.1]/hook', 'non-public'],
    ['https://[2002:7f00:1::1]/hook', 'non-public'],
    ['https://[64:ff9b:1::a9fe:a9fe]/hook', 'non-public'],
    ['https://[fec0::1]/hook', 'non-public'],
    ['https://[100::1]/hook', 'non-public'],
    ['https://192.0.2.1/hook', 'non-public'],
    ['https://203.0.113.9/hook', 'non-public'],
    ['https://user:pw@example.com/hook', 'credentials'],
  ])('refuses %s', async (url, reason) => {
    const created = await api.post('/v1/webhooks', { url });
    expect(created.status).toBe(400);
    const errors = created.body.errors as Array<{ path: string; message: string }>;
    expect(errors[0]?.path).toBe('url');
    expect(errors[0]?.message).toContain(reason);
  });

  it('checks again at send time: a stored private URL is refused, never called', async () => {
    // A webhook whose host resolved publicly at creation and privately now (DNS rebinding) looks
    // like this in the table; write it directly.
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const store = new DynamoWebhookStore(
      DynamoDBDocumentClient.from(client),
      stack.env.TABLE_NAME ?? '',
    );
    const now = new Date().toISOString();
    await store.create({
      id: 'wh_private',
      tenantId: 'local',
      url: `https://127.0.0.1:${new URL(receiver.url).port}/private`,
      events: ['webhook.test'],
      enabled: true,
      createdAt: now,
      updatedAt: now,
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    expect((await api.post('/v1/webhooks/wh_private/test', {})).status).toBe(202);
    const attempts = await waitFor(
      async () => {
        const { body } = await api.get('/v1/webhooks/wh_private');
        const list = body.recentAttempts as Array<{ outcome: string; error?: string }>;
        return list?.length ? list : undefined;
      },
      10_000,
      'a refused attempt',
    );
    expect(attempts[0]).toMatchObject({ outcome: 'refused' });
    expect(attempts[0]?.error).toContain('non-public');
    expect(receiver.received).toHaveLength(0);
    client.destroy();
  });
});
