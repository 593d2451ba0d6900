import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TwilioMessagingProvider } from '../../../../functions/adapters/providers/sms/twilio-messaging-provider';
import { FailureInjector, Outbox } from '../../../../local/fakes/outbox';
import { startTwilio } from '../../../../local/fakes/twilio-fake';
import { outbound, providerError, sendOptions, startHttpEdge } from './support';

const credentials = { accountSid: 'AC00000000000000000000000000000001', authToken: 'local-token' };

describe('TwilioMessagingProvider against the local Twilio fake', () => {
  const outbox = new Outbox();
  let fake: Awaited<ReturnType<typeof startTwilio>>;
  let sms: TwilioMessagingProvider<'sms'>;
  let whatsapp: TwilioMessagingProvider<'whatsapp'>;

  beforeAll(async () => {
    fake = await startTwilio({ outbox, failures: new FailureInjector() });
    sms = new TwilioMessagingProvider('sms', {
      ...credentials,
      from: '+15550000001',
      apiBaseUrl: fake.url,
    });
    whatsapp = new TwilioMessagingProvider('whatsapp', {
      ...credentials,
      from: '+15550000002',
      apiBaseUrl: fake.url,
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => outbox.clear());

  it('sends an SMS and returns the message SID', async () => {
    const receipt = await sms.send(
      outbound('sms', '+447700900123', { text: 'Your code is 4821' }),
      sendOptions(),
    );

    expect(receipt.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(outbox.list()).toEqual([
      expect.objectContaining({
        channel: 'sms',
        recipient: '+447700900123',
        content: { text: 'Your code is 4821', from: '+15550000001' },
        providerMessageId: receipt.providerMessageId,
      }),
    ]);
  });

  it('sends WhatsApp with whatsapp: addresses in both To and From', async () => {
    const receipt = await whatsapp.send(
      outbound('whatsapp', '+447700900124', { text: 'Hi' }),
      sendOptions(),
    );

    expect(receipt.providerMessageId).toMatch(/^SM/);
    expect(outbox.list()).toEqual([
      expect.objectContaining({
        channel: 'whatsapp',
        recipient: '+447700900124',
        content: { text: 'Hi', from: 'whatsapp:+15550000002' },
      }),
    ]);
  });

  it('maps an invalid number to permanent 21211', async () => {
    const err = await providerError(() =>
      sms.send(outbound('sms', '+1555fail-permanent', { text: 'x' }), sendOptions()),
    );

    expect(err).toMatchObject({ kind: 'permanent', code: '21211' });
    expect(outbox.list()).toEqual([]);
  });

  it('maps 429 to transient 20429 until the fake recovers', async () => {
    const first = await providerError(() =>
      whatsapp.send(outbound('whatsapp', '+1555fail-transient', { text: 'x' }), sendOptions()),
    );
    await providerError(() =>
      whatsapp.send(outbound('whatsapp', '+1555fail-transient', { text: 'x' }), sendOptions()),
    );
    await whatsapp.send(outbound('whatsapp', '+1555fail-transient', { text: 'x' }), sendOptions());

    expect(first).toMatchObject({ kind: 'transient', code: '20429' });
    expect(outbox.list({ channel: 'whatsapp', recipient: '+1555fail-transient' })).toHaveLength(1);
  });
});

describe('TwilioMessagingProvider at the HTTP edge', () => {
  const edge = startHttpEdge();
  const provider = async (config: { from?: string; messagingServiceSid?: string }) =>
    new TwilioMessagingProvider('sms', { ...credentials, ...config, apiBaseUrl: (await edge).url });
  afterAll(async () => (await edge).close());

  it('posts a form to the account Messages resource with Basic auth', async () => {
    const server = await edge;
    server.answerWith(() => ({ status: 201, body: { sid: 'SMedge' } }));

    const receipt = await (await provider({ messagingServiceSid: 'MG123' })).send(
      outbound('sms', '+15551234567', { text: 'hello there' }),
      sendOptions(),
    );

    const request = server.requests.at(-1);
    expect(receipt).toEqual({ providerMessageId: 'SMedge' });
    expect(request?.url).toBe(`/2010-04-01/Accounts/${credentials.accountSid}/Messages.json`);
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      To: '+15551234567',
      Body: 'hello there',
      MessagingServiceSid: 'MG123',
    });
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')}`,
    );
  });

  it.each([
    [400, 21614, 'permanent'],
    [400, 21610, 'permanent'],
    [400, 21408, 'transient'],
    [400, 63016, 'permanent'],
    [401, 20003, 'transient'],
    [400, 21606, 'transient'],
    // A 400 with a code outside the table is about the request's content (21201: no To).
    [400, 21201, 'permanent'],
    [400, 21212, 'transient'],
    [500, 20500, 'transient'],
    [503, undefined, 'transient'],
  ] as const)('maps HTTP %i code %s to %s', async (status, code, kind) => {
    (await edge).answerWith(() => ({
      status,
      body: code === undefined ? 'Service Unavailable' : { code, message: 'nope', status },
    }));

    const err = await providerError(async () =>
      (await provider({ from: '+15550000001' })).send(
        outbound('sms', '+15551234567', { text: 'x' }),
        sendOptions(),
      ),
    );

    expect(err).toMatchObject({ kind, code: code === undefined ? `http_${status}` : String(code) });
  });

  it('sends a WhatsApp template as ContentSid/ContentVariables with the status callback', async () => {
    const server = await edge;
    server.answerWith(() => ({ status: 201, body: { sid: 'SMtpl' } }));
    const whatsapp = new TwilioMessagingProvider('whatsapp', {
      ...credentials,
      from: '+15550000002',
      apiBaseUrl: server.url,
      statusCallbackUrl: 'https://api.example.com/prod/v1/providers/twilio/status',
    });
    const contentSid = `HX${'a'.repeat(32)}`;
    await whatsapp.send(
      outbound('whatsapp', '+15551234567', { template: { contentSid, variables: { '1': 'Ada' } } }),
      sendOptions(),
    );
    expect(Object.fromEntries(new URLSearchParams(server.requests.at(-1)?.body))).toEqual({
      To: 'whatsapp:+15551234567',
      From: 'whatsapp:+15550000002',
      ContentSid: contentSid,
      ContentVariables: '{"1":"Ada"}',
      StatusCallback:
        'https://api.example.com/prod/v1/providers/twilio/status?n=notif-1&d=whatsapp%230&t=acme',
    });
  });

  it('marks 21610 (replied STOP) and 21614 (not a mobile) for suppression and explains 63016', async () => {
    const server = await edge;
    server.answerWith(() => ({ status: 400, body: { code: 21610, message: 'unsubscribed' } }));
    const send = async () =>
      (await provider({ from: '+15550000001' })).send(
        outbound('sms', '+15551234567', { text: 'x' }),
        sendOptions(),
      );
    expect(await providerError(send)).toMatchObject({
      kind: 'permanent',
      suppress: 'unsubscribed',
    });
    server.answerWith(() => ({ status: 400, body: { code: 21614, message: 'not a mobile' } }));
    expect(await providerError(send)).toMatchObject({
      kind: 'permanent',
      suppress: 'undeliverable',
    });
    server.answerWith(() => ({ status: 400, body: { code: 63016, message: 'outside window' } }));
    const err = await providerError(send);
    expect(err.suppress).toBeUndefined();
    expect(err.message).toMatch(/template/);
  });

  it('refuses a configuration with neither a sender nor a messaging service', () => {
    expect(() => new TwilioMessagingProvider('sms', credentials)).toThrow(/messagingServiceSid/);
  });
});
