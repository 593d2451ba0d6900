import net from 'node:net';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { generate, type Packet, parser } from 'mqtt-packet';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IotMqttProvider } from '../../../../functions/adapters/providers/mqtt/iot-mqtt-provider';
import { type RunningMqttFake, startMqtt } from '../../../../local/fakes/mqtt-broker';
import { FailureInjector, Outbox } from '../../../../local/fakes/outbox';
import { fakeAwsCredentials, outbound, providerError, sendOptions, startHttpEdge } from './support';

function iotClient(endpoint: string): IoTDataPlaneClient {
  return new IoTDataPlaneClient({
    endpoint,
    region: 'us-east-1',
    credentials: fakeAwsCredentials,
    maxAttempts: 1,
  });
}

/** A bare MQTT 3.1.1 subscriber, enough to see what a device on the topic receives. */
async function subscribe(port: number, topic: string) {
  const socket = net.connect(port, '127.0.0.1');
  const packets = parser();
  const received: { topic: string; payload: string; qos: number }[] = [];
  const waiters: (() => void)[] = [];
  let subscribed: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    subscribed = resolve;
  });
  packets.on('packet', (packet: Packet) => {
    if (packet.cmd === 'suback') subscribed();
    if (packet.cmd === 'publish') {
      received.push({ topic: packet.topic, payload: packet.payload.toString(), qos: packet.qos });
      if (packet.qos === 1 && packet.messageId !== undefined) {
        socket.write(generate({ cmd: 'puback', messageId: packet.messageId }));
      }
      for (const wake of waiters.splice(0)) wake();
    }
  });
  socket.on('data', (chunk) => packets.parse(chunk));
  socket.write(
    generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: 'test-sub',
      clean: true,
      keepalive: 30,
    }),
  );
  socket.write(generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] }));
  await ready;
  return {
    received,
    next: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () => new Promise<void>((resolve) => socket.end(resolve)),
  };
}

describe('IotMqttProvider against the local broker and data-plane shim', () => {
  const outbox = new Outbox();
  let fake: RunningMqttFake;
  let provider: IotMqttProvider;

  beforeAll(async () => {
    fake = await startMqtt({ outbox, failures: new FailureInjector() });
    provider = new IotMqttProvider(iotClient(fake.dataPlaneUrl));
  });
  afterAll(() => fake.close());
  beforeEach(() => outbox.clear());

  it('publishes to the topic: a subscriber receives the payload and the Outbox records it', async () => {
    const device = await subscribe(fake.mqttPort, 'devices/42/alerts');
    const delivered = device.next();

    const receipt = await provider.send(
      outbound('mqtt', 'devices/42/alerts', { payload: '{"level":"high"}', qos: 1 }),
      sendOptions(),
    );
    await delivered;
    await device.close();

    expect(receipt).toEqual({});
    expect(device.received).toEqual([
      { topic: 'devices/42/alerts', payload: '{"level":"high"}', qos: 1 },
    ]);
    expect(outbox.list({ channel: 'mqtt' })).toEqual([
      expect.objectContaining({
        recipient: 'devices/42/alerts',
        content: { payload: '{"level":"high"}', qos: 1 },
      }),
    ]);
  });

  it('maps a rejected topic to a permanent InvalidRequestException', async () => {
    const err = await providerError(() =>
      provider.send(
        outbound('mqtt', 'devices/fail-permanent', { payload: 'x', qos: 0 }),
        sendOptions(),
      ),
    );

    expect(err).toMatchObject({ kind: 'permanent', code: 'InvalidRequestException' });
    expect(outbox.list()).toEqual([]);
  });

  it('maps throttling to a transient ThrottlingException', async () => {
    const err = await providerError(() =>
      provider.send(
        outbound('mqtt', 'devices/fail-always', { payload: 'x', qos: 0 }),
        sendOptions(),
      ),
    );

    expect(err).toMatchObject({ kind: 'transient', code: 'ThrottlingException' });
  });
});

describe('IotMqttProvider at the HTTP edge', () => {
  const edge = startHttpEdge();
  let provider: IotMqttProvider;

  beforeAll(async () => {
    provider = new IotMqttProvider(iotClient((await edge).url));
  });
  afterAll(async () => (await edge).close());

  it('sends Publish as POST /topics/{topic}?qos=N with the raw payload', async () => {
    const server = await edge;
    server.answerWith(() => ({ status: 200, body: {} }));

    await provider.send(
      outbound('mqtt', 'site/a b/temp', { payload: 'raw-bytes', qos: 1 }),
      sendOptions(),
    );

    const request = server.requests.at(-1);
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/topics/site%2Fa%20b%2Ftemp?qos=1');
    expect(request?.body).toBe('raw-bytes');
  });

  it.each([
    [413, 'RequestEntityTooLargeException', 'permanent'],
    [405, 'MethodNotAllowedException', 'permanent'],
    [401, 'UnauthorizedException', 'transient'],
    [403, 'ForbiddenException', 'transient'],
    [503, 'ServiceUnavailableException', 'transient'],
    [500, 'InternalFailureException', 'transient'],
  ] as const)('maps HTTP %i %s to %s', async (status, type, kind) => {
    (await edge).answerWith(() => ({
      status,
      headers: { 'x-amzn-errortype': type },
      body: { message: 'nope' },
    }));

    const err = await providerError(() =>
      provider.send(outbound('mqtt', 'site/temp', { payload: 'x', qos: 0 }), sendOptions()),
    );

    expect(err).toMatchObject({ kind, code: type });
  });
});
