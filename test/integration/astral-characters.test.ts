import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeviceSubscription, subscribe } from '../../local/device-client';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor, waitForFinal } from '../support/client';
import { startReceiver } from '../support/webhook-receiver';

// Characters above U+FFFF (emoji) are valid in every recipient SQS carries (#x10000-#x10FFFF):
// real SQS takes them, and so must the local stack, whose SQS emulator refuses them.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let device: DeviceSubscription | undefined;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const received: { topic: string; payload: string }[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
  device = await subscribe(stack.mqttUrl, 'herald/local/#', (topic, payload) =>
    received.push({ topic, payload: payload.toString('utf8') }),
  );
});
afterAll(async () => {
  await device?.close();
  await stack?.stop();
  await receiver?.close();
});

const unique = () => Math.random().toString(36).slice(2, 10);

describe('an emoji in a recipient', () => {
  it('is queued and delivered on push, Slack and MQTT', async () => {
    const tag = unique();
    const token = `token-\u{1F680}-${tag}`;
    const channel = `#launch-\u{1F680}-${tag}`;
    const topic = `rockets/\u{1F680}/${tag}`;
    const accepted = await api.post('/v1/notifications', {
      channels: {
        push: { tokens: [token], title: 'Launch', body: '\u{1F680}' },
        slack: { channel, text: 'launched \u{1F680}' },
        mqtt: { topic, payload: `launched ${tag}`, qos: 1 },
      },
    });
    expect(accepted.status).toBe(202);
    const final = await waitForFinal(api, String(accepted.body.id));
    expect(final.deliveries.map((d) => [d.channel, d.status]).sort()).toEqual([
      ['mqtt', 'sent'],
      ['push', 'sent'],
      ['slack', 'delivered'],
    ]);
    expect(stack.outbox.list({ channel: 'push', recipient: token })).toHaveLength(1);
    expect(stack.outbox.list({ channel: 'slack', recipient: channel })).toHaveLength(1);
    const message = await waitFor(
      () => received.find((m) => m.payload === `launched ${tag}`),
      10_000,
      'the device to receive the message',
    );
    expect(message.topic).toBe(`herald/local/${topic}`);
  });
});

describe('an emoji in an event', () => {
  it('reaches a webhook: the event travels through the webhook queue', async () => {
    const path = `/astral-${unique()}`;
    const created = await api.post('/v1/webhooks', { url: `${receiver.url}${path}` });
    expect(created.status).toBe(201);
    const secret = String(created.body.secret);
    const channel = `#party-\u{1F389}-${unique()}`;
    const accepted = await api.post('/v1/notifications', {
      channels: { slack: { channel, text: 'x' } },
      metadata: { mood: '\u{1F389}' },
    });
    expect(accepted.status).toBe(202);
    const id = String(accepted.body.id);
    const event = await waitFor(
      () =>
        receiver.received
          .filter((r) => r.path === path)
          .map((r) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>))
          .find(
            (e) =>
              (e as { notificationId?: string; type?: string }).notificationId === id &&
              (e as { type?: string }).type === 'delivery.delivered',
          ),
      15_000,
      'the delivery.delivered event at the webhook',
    );
    expect(event).toMatchObject({ recipient: channel, metadata: { mood: '\u{1F389}' } });
  });
});
