import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribe } from '../../local/device-client';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor, waitForFinal, waitForStatuses } from '../support/client';

// The whole pipeline on the local stack: HTTP API -> api handler -> DynamoDB + SQS -> poller ->
// channel handlers -> real provider SDKs -> local fakes.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
});
afterAll(() => stack?.stop());

const unique = () => Math.random().toString(36).slice(2, 10);

/**
 * Where each channel ends for a recipient the fakes deliver to: confirmed by provider feedback
 * (SES Delivery event, Twilio callback) or by the post itself (Slack); push and MQTT report
 * nothing back, so `sent` is their final status.
 */
const CONFIRMED = {
  email: 'delivered',
  sms: 'delivered',
  whatsapp: 'delivered',
  slack: 'delivered',
  push: 'sent',
  mqtt: 'sent',
};

describe('POST /v1/notifications', () => {
  it('delivers every channel end to end and reports each delivery sent or delivered', async () => {
    const tag = unique();
    const accepted = await api.post('/v1/notifications', {
      channels: {
        email: {
          to: [`ada-${tag}@example.com`],
          subject: `Hello ${tag}`,
          text: 'Hi Ada',
          html: '<p>Hi Ada</p>',
        },
        sms: { to: ['+14155550101'], text: `sms ${tag}` },
        whatsapp: { to: ['+14155550102'], text: `wa ${tag}` },
        push: {
          tokens: [`token-${tag}`],
          title: 'Build',
          body: `push ${tag}`,
          data: { build: '42' },
        },
        slack: { channel: `#ops-${tag}`, text: `slack ${tag}` },
        mqtt: { topic: `devices/${tag}`, payload: { cmd: 'reboot', tag }, qos: 1 },
      },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'accepted', deliveries: 6 });

    const final = await waitForStatuses(api, String(accepted.body.id), CONFIRMED);
    // Push and MQTT are only ever `sent`, so the notification as a whole reads `sent`.
    expect(final.status).toBe('sent');
    expect(final.deliveries.map((d) => d.channel).sort()).toEqual([
      'email',
      'mqtt',
      'push',
      'slack',
      'sms',
      'whatsapp',
    ]);
    for (const d of final.deliveries) {
      expect(d.status).toBe(CONFIRMED[d.channel as keyof typeof CONFIRMED]);
      // IoT Core's Publish answers no message id; every other provider does.
      if (d.channel !== 'mqtt') expect(d.providerMessageId).toBeTruthy();
    }
    // Recipients are personal data: the API shows them masked.
    expect(final.deliveries.find((d) => d.channel === 'email')?.recipient).toBe('a***@example.com');

    expect(
      stack.outbox.list({ channel: 'email', recipient: `ada-${tag}@example.com` })[0]?.content,
    ).toMatchObject({
      subject: `Hello ${tag}`,
      text: 'Hi Ada',
      html: '<p>Hi Ada</p>',
    });
    expect(
      stack.outbox.list({ channel: 'sms', recipient: '+14155550101' }).at(-1)?.content,
    ).toMatchObject({ text: `sms ${tag}` });
    expect(
      stack.outbox.list({ channel: 'whatsapp', recipient: '+14155550102' }).at(-1)?.content,
    ).toMatchObject({ text: `wa ${tag}` });
    expect(
      stack.outbox.list({ channel: 'push', recipient: `token-${tag}` })[0]?.content,
    ).toMatchObject({
      title: 'Build',
      body: `push ${tag}`,
      data: { build: '42' },
    });
    expect(
      stack.outbox.list({ channel: 'slack', recipient: `#ops-${tag}` })[0]?.content,
    ).toMatchObject({ text: `slack ${tag}` });
    const mqtt = stack.outbox.list({
      channel: 'mqtt',
      recipient: `herald/local/devices/${tag}`,
    })[0];
    expect(JSON.parse(String(mqtt?.content.payload))).toEqual({ cmd: 'reboot', tag });
  });

  it('sends one message per recipient, once each, even when a recipient is listed twice', async () => {
    const tag = unique();
    const to = [`a-${tag}@example.com`, `b-${tag}@example.com`, `a-${tag}@example.com`];
    const accepted = await api.post('/v1/notifications', {
      channels: { email: { to, subject: 's', text: 't' } },
    });
    expect(accepted.body.deliveries).toBe(2);
    await waitForFinal(api, String(accepted.body.id));
    expect(stack.outbox.list({ recipient: `a-${tag}@example.com` })).toHaveLength(1);
    expect(stack.outbox.list({ recipient: `b-${tag}@example.com` })).toHaveLength(1);
  });
});

describe('MQTT', () => {
  it('is received by a device subscribed with aws-iot-device-sdk-v2', async () => {
    const tag = unique();
    const received: { topic: string; payload: string }[] = [];
    const device = await subscribe(stack.mqttUrl, `herald/local/fleet/${tag}/#`, (topic, payload) =>
      received.push({ topic, payload: payload.toString('utf8') }),
    );
    try {
      const accepted = await api.post('/v1/notifications', {
        channels: { mqtt: { topic: `fleet/${tag}/lamp`, payload: 'on', qos: 1 } },
      });
      expect(accepted.status).toBe(202);
      const message = await waitFor(() => received[0], 10_000, 'the device to receive the message');
      expect(message).toEqual({ topic: `herald/local/fleet/${tag}/lamp`, payload: 'on' });
    } finally {
      await device.close();
    }
  });
});

describe('POST /notification/dispatch (the replaced service’s format)', () => {
  it.each([
    [
      'email',
      {
        type: 'email',
        message: 'summary',
        recipients: ['flat@example.com'],
        subject: 'S',
        body: 'plain body',
      },
      'email',
      'flat@example.com',
    ],
    [
      'push',
      { type: 'push', message: 'summary', recipients: ['flat-token-1'], title: 'T', body: 'B' },
      'push',
      'flat-token-1',
    ],
    [
      'SMS',
      { type: 'SMS', message: 'your code', recipients: ['+14155550111'] },
      'sms',
      '+14155550111',
    ],
    [
      'mqtt (any case)',
      { type: 'mqtt', message: 'flat mqtt', topic: 'compat/flat' },
      'mqtt',
      // Published in the dev key's namespace (tenant `local`).
      'herald/local/compat/flat',
    ],
    [
      'slack',
      { type: 'slack', message: 'flat slack', channel: '#compat-flat' },
      'slack',
      '#compat-flat',
    ],
    [
      'email block',
      {
        type: 'EMAIL',
        emailChannel: {
          type: 'email',
          subject: 'S',
          body: '<b>hi</b>',
          recipients: ['block@example.com'],
        },
      },
      'email',
      'block@example.com',
    ],
  ])('delivers a single-channel %s request', async (_name, body, channel, recipient) => {
    const accepted = await api.post('/notification/dispatch', body);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ message: 'Notification accepted' });
    expect(accepted.body.id).toEqual(expect.any(String));
    const final = await waitForStatuses(api, String(accepted.body.id), CONFIRMED);
    expect(final.status).toBe(CONFIRMED[channel as keyof typeof CONFIRMED]);
    expect(stack.outbox.list({ channel: channel as 'email', recipient }).length).toBeGreaterThan(0);
  });

  it('delivers every block of a "*" request, MQTT included', async () => {
    const tag = unique();
    const accepted = await api.post('/notification/dispatch', {
      type: '*',
      message: `all ${tag}`,
      emailChannel: {
        type: 'email',
        subject: 'S',
        body: 'B',
        recipients: [`star-${tag}@example.com`],
      },
      pushChannel: { type: 'push', title: 'T', body: 'B', recipients: [`star-token-${tag}`] },
      smsChannel: { type: 'SMS', message: `sms ${tag}`, recipients: ['+14155550122'] },
      mqttChannel: { type: 'MQTT', topic: `star/${tag}`, message: `mqtt ${tag}` },
      slackChannel: { type: 'slack', channel: `#star-${tag}`, message: `slack ${tag}` },
    });
    expect(accepted.status).toBe(202);
    const final = await waitForStatuses(api, String(accepted.body.id), CONFIRMED);
    expect(final.status).toBe('sent');
    expect(final.deliveries.map((d) => d.channel).sort()).toEqual([
      'email',
      'mqtt',
      'push',
      'slack',
      'sms',
    ]);
    expect(
      stack.outbox.list({ channel: 'mqtt', recipient: `herald/local/star/${tag}` })[0]?.content,
    ).toMatchObject({
      payload: `mqtt ${tag}`,
    });
  });
});

describe('failures', () => {
  it('fail-permanent: recorded failed after one attempt, never retried', async () => {
    const accepted = await api.post('/v1/notifications', {
      channels: { slack: { channel: '#fail-permanent', text: 'x' } },
    });
    const final = await waitForFinal(api, String(accepted.body.id));
    expect(final.status).toBe('failed');
    expect(final.deliveries[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(final.deliveries[0]?.lastError).toContain('channel_not_found');
  });

  it('fail-transient: retried, then delivered on the third attempt', async () => {
    const recipient = `fail-transient-${unique()}@example.com`;
    const accepted = await api.post('/v1/notifications', {
      channels: { email: { to: [recipient], subject: 's', text: 't' } },
    });
    const final = await waitForStatuses(api, String(accepted.body.id), CONFIRMED, 20_000);
    expect(final.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(stack.failures.attempts('email', recipient)).toBe(3);
    expect(stack.outbox.list({ recipient })).toHaveLength(1);
  });

  it('fail-always: after 5 receives the message is in the channel DLQ and the delivery failed', async () => {
    const token = `fail-always-${unique()}`;
    const accepted = await api.post('/v1/notifications', {
      channels: { push: { tokens: [token], title: 't', body: 'b' } },
    });
    const final = await waitForFinal(api, String(accepted.body.id), 30_000);
    expect(final.deliveries[0]?.status).toBe('failed');
    expect(final.deliveries[0]?.lastError).toMatch(/^gave up after 5 attempts/);
    const dead = await waitFor(
      async () => (await stack.dlq()).push.find((m) => m.body.includes(token)),
      10_000,
      'the message to reach the push DLQ',
    );
    expect(dead.receiveCount).toBeGreaterThanOrEqual(5);
    expect(stack.outbox.list({ recipient: token })).toHaveLength(0);
  }, 45_000);

  it('a redelivered SQS message for a sent delivery does not call the provider again', async () => {
    const recipient = `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`;
    const accepted = await api.post('/v1/notifications', {
      channels: { sms: { to: [recipient], text: 'once' } },
    });
    const id = String(accepted.body.id);
    await waitForStatuses(api, id, CONFIRMED);
    expect(stack.outbox.list({ channel: 'sms', recipient })).toHaveLength(1);

    const sqs = new SQSClient({});
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.env.QUEUE_URL_SMS,
        MessageBody: JSON.stringify({
          v: 1,
          notificationId: id,
          deliveryId: 'sms#0',
          channel: 'sms',
          recipient,
        }),
      }),
    );
    // The duplicate has been handled once the queue holds nothing, visible or in flight: the
    // poller deletes a message only after its handler returned.
    await waitFor(
      async () => {
        const { Attributes: a = {} } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: stack.env.QUEUE_URL_SMS,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
            ],
          }),
        );
        const left =
          Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
        return left === 0 ? true : undefined;
      },
      10_000,
      'the duplicate to be consumed',
    );
    expect(stack.outbox.list({ channel: 'sms', recipient })).toHaveLength(1);
    const after = await api.get(`/v1/notifications/${id}`);
    expect((after.body.deliveries as { status: string; attempts: number }[])[0]).toMatchObject({
      status: 'delivered',
      attempts: 1,
    });
  });
});
