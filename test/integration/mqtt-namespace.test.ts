import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { type DeviceSubscription, subscribe } from '../../local/device-client';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor, waitForFinal } from '../support/client';

// Each tenant publishes inside its own MQTT namespace, `<mqttTopicPrefix><tenantId>/`: the topic a
// caller names is relative to it. Devices here are real aws-iot-device-sdk-v2 (MQTT 3.1.1)
// subscribers on the local broker, as in local/device-client.ts.

let stack: LocalStack;
/** The dev key's tenant is `local`: its namespace is `herald/local/`. */
let local: ReturnType<typeof apiClient>;
/** Another tenant, `t-acme`: namespace `herald/t-acme/`. */
let acme: ReturnType<typeof apiClient>;

interface Received {
  topic: string;
  payload: string;
}

const devices: DeviceSubscription[] = [];

async function device(filter: string): Promise<Received[]> {
  const received: Received[] = [];
  devices.push(
    await subscribe(stack.mqttUrl, filter, (topic, payload) =>
      received.push({ topic, payload: payload.toString('utf8') }),
    ),
  );
  return received;
}

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  local = apiClient(stack);
  const keys = new ApiKeyStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({})),
    stack.env.TABLE_NAME ?? '',
  );
  acme = apiClient(stack, (await keys.create('t-acme')).key);
});
afterAll(async () => {
  await Promise.all(devices.map((d) => d.close()));
  await stack?.stop();
});

const unique = () => Math.random().toString(36).slice(2, 10);

/** The first message a device received with this payload. */
const messageWith = (received: Received[], payload: string) =>
  waitFor(
    () => received.find((m) => m.payload === payload),
    10_000,
    `a device to receive ${payload}`,
  );

describe("the older service's MQTT requests, delivered in the caller's namespace", () => {
  it('its single-MQTT request (topic "Mqtt Notification Service:2") is a 202 and reaches the device', async () => {
    const received = await device('herald/local/#');
    const message = `single ${unique()}`;
    const accepted = await local.post('/notification/dispatch', {
      type: 'MQTT',
      message,
      topic: 'Mqtt Notification Service:2',
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ message: 'Notification accepted' });
    expect(await messageWith(received, message)).toEqual({
      topic: 'herald/local/Mqtt Notification Service:2',
      payload: message,
    });
    const final = await waitForFinal(local, String(accepted.body.id));
    expect(final.deliveries).toEqual([
      expect.objectContaining({
        channel: 'mqtt',
        status: 'sent',
        recipient: 'herald/local/Mqtt Notification Service:2',
      }),
    ]);
  });

  it('its all-channels request is a 202, and its MQTT block reaches the device', async () => {
    const received = await device('herald/local/Mqtt Notification Service:2');
    const tag = unique();
    const accepted = await local.post('/notification/dispatch', {
      type: '*',
      message: `Notification ${tag}`,
      emailChannel: {
        type: 'email',
        subject: 'Email Notification Service',
        body: 'Hello from the notification service',
        recipients: [`user-${tag}@example.com`],
      },
      pushChannel: {
        type: 'push',
        title: 'Push Notification Service',
        body: 'Hello from the notification service',
        recipients: [`device-token-${tag}`],
      },
      smsChannel: {
        type: 'SMS',
        message: 'Hello from the notification service',
        recipients: ['+14155550142'],
      },
      mqttChannel: {
        type: 'MQTT',
        topic: 'Mqtt Notification Service:2',
        message: `mqtt ${tag}`,
      },
      slackChannel: {
        type: 'slack',
        channel: `#notifications-${tag}`,
        message: 'Hello from the notification service',
      },
    });
    expect(accepted.status).toBe(202);
    expect(await messageWith(received, `mqtt ${tag}`)).toEqual({
      topic: 'herald/local/Mqtt Notification Service:2',
      payload: `mqtt ${tag}`,
    });
    const final = await waitForFinal(local, String(accepted.body.id));
    expect(final.deliveries.map((d) => d.channel).sort()).toEqual([
      'email',
      'mqtt',
      'push',
      'slack',
      'sms',
    ]);
  });
});

describe('tenant namespaces', () => {
  it("one tenant's key cannot publish to another tenant's devices", async () => {
    const localDevices = await device('herald/local/#');
    const acmeDevices = await device('herald/t-acme/#');
    const tag = unique();
    // Relative, as always: a topic that names another namespace stays inside the caller's own.
    for (const topic of ['devices/42', 'herald/local/devices/42']) {
      const accepted = await acme.post('/v1/notifications', {
        channels: { mqtt: { topic, payload: `${tag} ${topic}`, qos: 1 } },
      });
      expect(accepted.status).toBe(202);
    }
    expect(await messageWith(acmeDevices, `${tag} devices/42`)).toEqual({
      topic: 'herald/t-acme/devices/42',
      payload: `${tag} devices/42`,
    });
    expect(await messageWith(acmeDevices, `${tag} herald/local/devices/42`)).toEqual({
      topic: 'herald/t-acme/herald/local/devices/42',
      payload: `${tag} herald/local/devices/42`,
    });
    // The local tenant's devices heard nothing of it.
    expect(localDevices.filter((m) => m.payload.startsWith(tag))).toEqual([]);
  });

  it("counts the namespace against IoT Core's topic limits", async () => {
    // herald/t-acme/ uses 2 of the 7 slashes IoT Core allows.
    const answer = await acme.post('/v1/notifications', {
      channels: { mqtt: { topic: 'a/b/c/d/e/f/g', payload: 'x' } },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      { path: 'channels.mqtt.topic', message: expect.stringContaining('herald/t-acme/') },
    ]);
  });
});
