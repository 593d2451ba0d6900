import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationStore } from '../../functions/adapters/dynamodb/notification-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';
import { startReceiver } from '../support/webhook-receiver';

// Delivery events end to end on the local stack: recorded writes -> local DynamoDB Stream ->
// events function -> SNS topic (fauxqs, filter policies) and the webhook queue -> webhook
// sender -> a real HTTP receiver that verifies Standard Webhooks signatures.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let sqs: SQSClient;
let sns: SNSClient;

beforeAll(async () => {
  receiver = await startReceiver((path, n) => {
    if (path.startsWith('/flaky')) return n <= 2 ? 503 : 200;
    if (path.startsWith('/gone')) return 410;
    return 200;
  });
  stack = await startLocalStack({
    port: 0,
    log: () => undefined,
    webhookRetryDelaysSeconds: [1, 1, 1],
  });
  api = apiClient(stack);
  const client = {
    region: 'us-east-1',
    endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  sqs = new SQSClient(client);
  sns = new SNSClient({ ...client, endpoint: stack.env.AWS_ENDPOINT_URL_SNS });
});
afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await stack?.stop();
  await receiver?.close();
});

const unique = () => Math.random().toString(36).slice(2, 10);

async function createWebhook(path: string, events?: string[]) {
  const created = await api.post('/v1/webhooks', {
    url: `${receiver.url}${path}`,
    ...(events && { events }),
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; secret: string; url: string; events: string[] };
}

function verified(secret: string, path: string) {
  const wh = new Webhook(secret);
  return receiver.received
    .filter((r) => r.path === path)
    .map((r) => wh.verify(r.body, r.headers as Record<string, string>) as Record<string, unknown>);
}

async function subscribedQueue(filter: Record<string, unknown>) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `sub-${unique()}` }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: stack.events.topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes?.QueueArn,
      Attributes: { FilterPolicy: JSON.stringify(filter), RawMessageDelivery: 'true' },
    }),
  );
  const bodies: Array<Record<string, unknown>> = [];
  return {
    bodies,
    async drain() {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const m of Messages ?? []) bodies.push(JSON.parse(m.Body ?? '{}'));
      return bodies;
    },
  };
}

describe('webhooks', () => {
  it('signs every event; the receiver verifies it and gets sent/delivered and notification.completed', async () => {
    const path = `/ok-${unique()}`;
    const webhook = await createWebhook(path);
    expect(webhook.secret).toMatch(/^whsec_/);
    const tag = unique();
    const accepted = await api.post('/v1/notifications', {
      channels: { sms: { to: ['+14155550101', '+14155550102'], text: `hi ${tag}` } },
      metadata: { orderId: tag },
    });
    expect(accepted.status).toBe(202);
    const id = String(accepted.body.id);
    const events = await waitFor(
      () => {
        const got = verified(webhook.secret, path).filter((e) => e.notificationId === id);
        // SMS goes sent, then delivered on Twilio's status callback (issue 11).
        const delivered = got.filter((e) => e.type === 'delivery.delivered').length;
        return got.some((e) => e.type === 'notification.completed') && delivered >= 2
          ? got
          : undefined;
      },
      15_000,
      'delivery events and completion',
    );
    const deliveries = events.filter((e) => e.type === 'delivery.delivered');
    expect(deliveries).toHaveLength(2);
    for (const e of deliveries) {
      expect(e).toMatchObject({
        type: 'delivery.delivered',
        status: 'delivered',
        channel: 'sms',
        tenantId: 'local',
        attempts: 1,
        metadata: { orderId: tag },
      });
      expect(typeof e.version).toBe('number');
      expect(String(e.recipient)).toMatch(/^\+1415555010[12]$/);
    }
    const completed = events.filter((e) => e.type === 'notification.completed');
    // Completed once every delivery is final: `sent` already is, so the callbacks may come after.
    expect(completed[0]).toMatchObject({ deliveries: 2, metadata: { orderId: tag } });
    expect(['sent', 'delivered']).toContain(completed[0]?.status);
    // A tampered body fails verification.
    const raw = receiver.received.find((r) => r.path === path);
    expect(() =>
      new Webhook(webhook.secret).verify(`${raw?.body} `, raw?.headers as Record<string, string>),
    ).toThrow();
  });

  it('retries a failing receiver with the same event id until it answers 2xx', async () => {
    const path = `/flaky-${unique()}`;
    const webhook = await createWebhook(path, ['delivery.delivered']);
    const accepted = await api.post('/v1/notifications', {
      channels: { sms: { to: ['+14155550103'], text: 'flaky' } },
    });
    const got = await waitFor(
      () => {
        const hits = receiver.received.filter((r) => r.path === path);
        return hits.length >= 3 ? hits : undefined;
      },
      20_000,
      'three attempts',
    );
    const ids = got.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(1);
    const event = verified(webhook.secret, path)[0];
    expect(event).toMatchObject({ notificationId: accepted.body.id, type: 'delivery.delivered' });
    const described = await waitFor(
      async () => {
        const { body } = await api.get(`/v1/webhooks/${webhook.id}`);
        const attempts = body.recentAttempts as Array<{
          outcome: string;
          statusCode?: number;
          attempt: number;
        }>;
        return attempts?.length >= 3 ? attempts : undefined;
      },
      5_000,
      'attempt log',
    );
    expect(described.map((a) => a.outcome)).toEqual(['delivered', 'failed', 'failed']);
    expect(described.map((a) => a.attempt)).toEqual([3, 2, 1]);
  });

  it('disables an endpoint that answers 410 Gone and tells the topic', async () => {
    const path = `/gone-${unique()}`;
    const operators = await subscribedQueue({ type: ['webhook.disabled'] });
    const webhook = await createWebhook(path);
    const result = await api.post(`/v1/webhooks/${webhook.id}/test`, {});
    expect(result.status).toBe(202);
    const disabled = await waitFor(
      async () => {
        const { body } = await api.get(`/v1/webhooks/${webhook.id}`);
        return body.enabled === false ? body : undefined;
      },
      10_000,
      'webhook disabled',
    );
    expect(disabled.disabledReason).toMatch(/410/);
    expect(receiver.received.filter((r) => r.path === path)).toHaveLength(1);
    // Disabled: a test is refused and later events are not sent.
    expect((await api.post(`/v1/webhooks/${webhook.id}/test`, {})).status).toBe(409);
    const told = await waitFor(
      async () => (await operators.drain()).find((e) => e.webhookId === webhook.id),
      10_000,
      'webhook.disabled on the topic',
    );
    expect(told).toMatchObject({ type: 'webhook.disabled', tenantId: 'local', url: webhook.url });
  });

  it('never shows a secret after creation, and hides other tenants’ webhooks', async () => {
    const webhook = await createWebhook(`/ok-${unique()}`);
    const list = await api.get('/v1/webhooks');
    expect(JSON.stringify(list.body)).not.toContain(webhook.secret);
    const one = await api.get(`/v1/webhooks/${webhook.id}`);
    expect(JSON.stringify(one.body)).not.toContain('whsec_');
    expect((await api.get('/v1/webhooks/wh_nope')).status).toBe(404);
    const rotated = await api.post(`/v1/webhooks/${webhook.id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(webhook.secret);
    expect(
      (await api.request('PATCH', `/v1/webhooks/${webhook.id}`, { enabled: false })).body.enabled,
    ).toBe(false);
    expect((await api.delete(`/v1/webhooks/${webhook.id}`)).status).toBe(204);
    expect((await api.get(`/v1/webhooks/${webhook.id}`)).status).toBe(404);
  });

  it('rejects a bad body with the field path', async () => {
    const bad = await api.post('/v1/webhooks', { url: 'ftp://x', events: ['delivery.nope'] });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as Array<{ path: string }>).map((e) => e.path)).toContain('events[0]');
  });
});

describe('SNS topic', () => {
  it('delivers to each subscriber only the events its filter policy selects', async () => {
    const failures = await subscribedQueue({ type: ['delivery.failed'] });
    const email = await subscribedQueue({ channel: ['email'], status: ['delivered'] });
    const tag = unique();
    const accepted = await api.post('/v1/notifications', {
      channels: {
        // The local fakes fail a recipient containing `fail-permanent` for good.
        email: {
          to: [`ok-${tag}@example.com`, `fail-permanent-${tag}@example.com`],
          subject: 's',
          text: 't',
        },
      },
    });
    expect(accepted.status).toBe(202);
    await waitFor(
      async () =>
        (await email.drain()).some((e) => e.notificationId === accepted.body.id) ? true : undefined,
      10_000,
      'email event',
    );
    await waitFor(
      async () => ((await failures.drain()).length > 0 ? true : undefined),
      10_000,
      'failure event',
    );
    const ours = (bodies: Array<Record<string, unknown>>) =>
      bodies.filter((e) => e.notificationId === accepted.body.id);
    expect(ours(failures.bodies).map((e) => e.type)).toEqual(['delivery.failed']);
    expect(ours(email.bodies).map((e) => [e.type, e.channel])).toEqual([
      ['delivery.delivered', 'email'],
    ]);
    expect(failures.bodies.every((e) => e.type === 'delivery.failed')).toBe(true);
    expect(email.bodies.every((e) => e.channel === 'email' && e.status === 'delivered')).toBe(true);
  });
});

describe('events come from recorded writes only', () => {
  it('makes no event for a status write whose condition failed, and one for a write that happened', async () => {
    const tenantEvents = await subscribedQueue({ tenantId: ['local'] });
    const accepted = await api.post('/v1/notifications', {
      // Slack: its post is the delivery, so one status write and one event (no provider report).
      channels: { slack: { channel: `#once-${unique()}`, text: 'once' } },
    });
    const id = String(accepted.body.id);
    const seen = async () =>
      (await tenantEvents.drain()).filter((e) => e.notificationId === id).map((e) => e.type);
    await waitFor(
      async () => ((await seen()).includes('notification.completed') ? true : undefined),
      10_000,
      'completion',
    );
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const store = new NotificationStore(
      DynamoDBDocumentClient.from(client),
      stack.env.TABLE_NAME ?? '',
    );
    // delivered -> failed from `sending` only: the condition fails, nothing is written.
    expect(await store.markFailed(id, 'slack#0', 'late report', Date.now(), ['sending'])).toBe(
      false,
    );
    expect(await store.cancel(id, 'slack#0', Date.now())).toBe(false);
    // A write that does happen on another notification proves the stream is still flowing.
    const other = await api.post('/v1/notifications', {
      channels: { slack: { channel: `#other-${unique()}`, text: 'x' } },
    });
    await waitFor(
      async () => {
        const all = await tenantEvents.drain();
        return all.some(
          (e) => e.notificationId === other.body.id && e.type === 'notification.completed',
        )
          ? true
          : undefined;
      },
      10_000,
      'events of the later notification',
    );
    await stack.events.pipeline.stream.drained();
    expect(await seen()).toEqual(['delivery.delivered', 'notification.completed']);
    client.destroy();
  });
});
