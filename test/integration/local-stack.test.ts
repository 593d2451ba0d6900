import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_MAX_MS } from '../../functions/core/notifications/model';
import { subscribe } from '../../local/device-client';
import { type LocalStack, startLocalStack } from '../../local/stack';

/** Poll `probe` until it returns something truthy or `timeoutMs` passes. */
async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('local stack', () => {
  let stack: LocalStack;
  const logs: string[] = [];

  beforeAll(async () => {
    const startedAt = Date.now();
    // SILENT: the handler logs an ERROR for each receive of the malformed message below, by design.
    stack = await startLocalStack({ port: 0, log: (line) => logs.push(line), logLevel: 'SILENT' });
    // About 1 s here on an idle 2-core machine (npm start's target is < 3 s in all). The bound is
    // loose so a busy CI box does not flake, yet catches a start that waits on something.
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers GET /health without an API key', async () => {
    const response = await fetch(`${stack.url}/health`);
    expect(response.status).toBe(200);
  });

  it('refuses the API without a key', async () => {
    const response = await fetch(`${stack.url}/v1/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
  });

  it('starts with an empty outbox', async () => {
    const response = await fetch(`${stack.url}/_local/outbox`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
  });

  it('serves the console page without a key, under a strict CSP', async () => {
    for (const path of ['/', '/console']) {
      const response = await fetch(`${stack.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await response.text()).toContain('<script type="module" src="console/app.js">');
    }
    const script = await fetch(`${stack.url}/console/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('answers 413 to a request body over 6 MB', async () => {
    const response = await fetch(`${stack.url}/v1/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.devApiKey}` },
      body: 'x'.repeat(6 * 1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
  });

  it('hides a received channel message for a whole attempt, and leases a delivery past that', async () => {
    // A message that came back while its attempt still ran would be received again; the copy
    // then finds the lease held and burns one of the 5 receives that stand before the DLQ.
    const sqs = new SQSClient({ region: stack.env.AWS_REGION });
    try {
      for (const variable of ['QUEUE_URL_EMAIL', 'HIGH_QUEUE_URL_SLACK']) {
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: stack.env[variable],
            AttributeNames: ['VisibilityTimeout'],
          }),
        );
        const visibility = Number(Attributes?.VisibilityTimeout);
        expect(visibility * 1000).toBeGreaterThanOrEqual(ATTEMPT_MAX_MS);
        // Still short: a message whose attempt crashed comes back within seconds locally.
        expect(visibility).toBeLessThanOrEqual(15);
        expect(Number(stack.env.LEASE_SECONDS)).toBeGreaterThan(visibility);
      }
    } finally {
      sqs.destroy();
    }
  });

  it('moves a message its handler cannot process to the channel DLQ after 5 receives', async () => {
    const queueUrl = stack.env.QUEUE_URL_SLACK;
    if (!queueUrl) throw new Error('QUEUE_URL_SLACK is not set');
    const sqs = new SQSClient({ region: stack.env.AWS_REGION });
    try {
      const { MessageId } = await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'this is not JSON' }),
      );
      const dead = await eventually(async () => {
        const dlq = await stack.dlq();
        return dlq.slack.find((m) => m.messageId === MessageId);
        // 5 receives, each after the visibility timeout (one attempt, 10 s).
      }, 70_000);
      expect(dead.body).toBe('this is not JSON');
      expect(dead.receiveCount).toBeGreaterThanOrEqual(5);
      const response = await fetch(`${stack.url}/_local/dlq`);
      const byChannel = (await response.json()) as Record<string, Array<{ messageId: string }>>;
      expect(byChannel.slack?.map((m) => m.messageId)).toContain(MessageId);
      expect(stack.outbox.list()).toEqual([]);
    } finally {
      sqs.destroy();
    }
  }, 75_000);

  it('delivers an iot-data Publish to a subscribed device', async () => {
    const received: Array<{ topic: string; payload: string }> = [];
    const device = await subscribe(stack.mqttUrl, 'herald/test/#', (topic, payload) => {
      received.push({ topic, payload: payload.toString('utf8') });
    });
    const iot = new IoTDataPlaneClient({
      region: stack.env.AWS_REGION,
      endpoint: stack.env.AWS_ENDPOINT_URL_IOT_DATA_PLANE,
    });
    try {
      await iot.send(
        new PublishCommand({
          topic: 'herald/test/device-1',
          qos: 1,
          payload: Buffer.from(JSON.stringify({ hello: 'device' })),
        }),
      );
      const message = await eventually(async () => received[0], 5_000);
      expect(message).toEqual({
        topic: 'herald/test/device-1',
        payload: JSON.stringify({ hello: 'device' }),
      });
    } finally {
      iot.destroy();
      await device.close();
    }
  });

  it('stop() closes every server and socket it opened', async () => {
    await stack.stop();
    // Give closed sockets one turn of the event loop to release their handles.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const network = process
      .getActiveResourcesInfo()
      .filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap');
    expect(network).toEqual([]);
  });
});
