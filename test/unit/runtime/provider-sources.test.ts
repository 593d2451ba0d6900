import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { SesEmailProvider } from '../../../functions/adapters/providers/email/ses-email-provider';
import { IotMqttProvider } from '../../../functions/adapters/providers/mqtt/iot-mqtt-provider';
import type { Channel } from '../../../functions/core/notifications/model';
import { createFcmPushSource } from '../../../functions/runtime/providers/fcm-push-source';
import { createIotMqttSource } from '../../../functions/runtime/providers/iot-mqtt-source';
import { createSesEmailSource } from '../../../functions/runtime/providers/ses-email-source';
import { createSlackSource } from '../../../functions/runtime/providers/slack-source';
import {
  ProviderConfigError,
  type ProviderSource,
  type ProviderSourceDeps,
} from '../../../functions/runtime/providers/source';
import { createTwilioSource } from '../../../functions/runtime/providers/twilio-source';
import { createLocalServiceAccount, startFcm } from '../../../local/fakes/fcm-fake';
import { FailureInjector, Outbox } from '../../../local/fakes/outbox';
import { startTwilio } from '../../../local/fakes/twilio-fake';
import { redirectGoogleApis } from '../../../local/google-oauth-redirect';
import { outbound, sendOptions, startHttpEdge } from '../adapters/providers/support';

/** Each channel's provider source by name, as each send-<channel> handler builds its own. */
function createProviderSource<C extends Channel>(
  channel: C,
  env: NodeJS.ProcessEnv,
  deps: ProviderSourceDeps = {},
): ProviderSource<C> {
  const sources: { [K in Channel]: () => ProviderSource<K> } = {
    email: () => createSesEmailSource(env),
    sms: () => createTwilioSource('sms', env, deps),
    whatsapp: () => createTwilioSource('whatsapp', env, deps),
    push: () => createFcmPushSource(env, deps),
    slack: () => createSlackSource(env, deps),
    mqtt: () => createIotMqttSource(env),
  };
  return sources[channel]() as ProviderSource<C>;
}

/** An in-memory secret store standing in for Powertools getSecret. */
function secrets(initial: Record<string, unknown>) {
  const values = { ...initial };
  const reads: string[] = [];
  return {
    values,
    reads,
    readSecret: async (id: string) => {
      reads.push(id);
      return values[id];
    },
  };
}

describe('createProviderSource settings', () => {
  it.each([
    ['email', {}, /EMAIL_FROM is required/],
    ['sms', {}, /TWILIO_SECRET_ID is required/],
    ['whatsapp', {}, /TWILIO_SECRET_ID is required/],
    ['push', {}, /FCM_SECRET_ID is required/],
    ['slack', {}, /SLACK_SECRET_ID is required/],
    ['sms', { TWILIO_SECRET_ID: 's', TWILIO_API_BASE_URL: 'not a url' }, /TWILIO_API_BASE_URL/],
    ['slack', { SLACK_SECRET_ID: 's', SLACK_API_URL: 'http://127.0.0.1:1/' }, /SLACK_API_URL/],
  ] as const)('fails fast for %s with %o', (channel, env, message) => {
    expect(() => createProviderSource(channel, env)).toThrow(ProviderConfigError);
    expect(() => createProviderSource(channel, env)).toThrow(message);
  });

  it('builds the email and MQTT providers from env alone, once', async () => {
    const email = createProviderSource('email', { EMAIL_FROM: 'noreply@herald.test' });
    const mqtt = createProviderSource('mqtt', { IOT_DATA_ENDPOINT: 'http://127.0.0.1:1' });

    expect(await email.get()).toBeInstanceOf(SesEmailProvider);
    expect(await email.get()).toBe(await email.get());
    expect(await mqtt.get()).toBeInstanceOf(IotMqttProvider);
  });
});

describe('createProviderSource secrets', () => {
  const edge = startHttpEdge((req) => ({
    status: 200,
    body: { ok: true, ts: '1.000001', echo: req.headers.authorization },
  }));
  afterAll(async () => (await edge).close());

  const slackEnv = async () => ({
    SLACK_SECRET_ID: 'herald/slack',
    SLACK_API_URL: `${(await edge).url}/api/`,
  });

  it('reuses the provider while the secret is unchanged and rebuilds it after rotation', async () => {
    const store = secrets({ 'herald/slack': { botToken: 'xoxb-one' } });
    const source = createProviderSource('slack', await slackEnv(), store);

    const first = await source.get();
    await first.send(outbound('slack', 'C1', { text: 'before' }), sendOptions());
    const again = await source.get();
    store.values['herald/slack'] = { botToken: 'xoxb-two' };
    const rotated = await source.get();
    await rotated.send(outbound('slack', 'C1', { text: 'after' }), sendOptions());

    expect(again).toBe(first);
    expect(rotated).not.toBe(first);
    expect(store.reads).toEqual(['herald/slack', 'herald/slack', 'herald/slack']);
    const auth = (await edge).requests.slice(-2).map((r) => r.headers.authorization);
    expect(auth).toEqual(['Bearer xoxb-one', 'Bearer xoxb-two']);
  });

  it('shares one secret read between concurrent calls', async () => {
    const store = secrets({ 'herald/slack': { botToken: 'xoxb-one' } });
    const source = createProviderSource('slack', await slackEnv(), store);

    const providers = await Promise.all([source.get(), source.get(), source.get()]);

    expect(store.reads).toHaveLength(1);
    expect(new Set(providers).size).toBe(1);
  });

  it('names the malformed field of a secret without echoing its value', async () => {
    const store = secrets({ 'herald/slack': { token: 'xoxb-leaked-value' } });
    const source = createProviderSource('slack', await slackEnv(), store);

    const err = await source.get().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ProviderConfigError);
    expect((err as Error).message).toMatch(/herald\/slack.*botToken/);
    expect((err as Error).message).not.toContain('xoxb-leaked-value');
  });

  it('fails when the secret is missing', async () => {
    const source = createProviderSource('slack', await slackEnv(), secrets({}));

    await expect(source.get()).rejects.toThrow(/herald\/slack has no value/);
  });
});

describe('createProviderSource against the local fakes', () => {
  const outbox = new Outbox();
  const failures = new FailureInjector();
  let twilio: Awaited<ReturnType<typeof startTwilio>>;
  let fcm: Awaited<ReturnType<typeof startFcm>>;

  beforeAll(async () => {
    [twilio, fcm] = await Promise.all([
      startTwilio({ outbox, failures }),
      startFcm({ outbox, failures }),
    ]);
  });
  afterAll(() => Promise.all([twilio.close(), fcm.close()]));

  it('gives SMS the smsFrom sender and WhatsApp the whatsappFrom sender from one secret', async () => {
    const store = secrets({
      'herald/twilio': {
        accountSid: 'AC1',
        authToken: 't',
        smsFrom: '+15550000001',
        whatsappFrom: '+15550000002',
      },
    });
    const env = { TWILIO_SECRET_ID: 'herald/twilio', TWILIO_API_BASE_URL: twilio.url };

    await (await createProviderSource('sms', env, store).get()).send(
      outbound('sms', '+15551110000', { text: 'a' }),
      sendOptions(),
    );
    await (await createProviderSource('whatsapp', env, store).get()).send(
      outbound('whatsapp', '+15551110000', { text: 'b' }),
      sendOptions(),
    );

    expect(
      outbox.list({ recipient: '+15551110000' }).map((e) => [e.channel, e.content.from]),
    ).toEqual([
      ['sms', '+15550000001'],
      ['whatsapp', 'whatsapp:+15550000002'],
    ]);
  });

  it('refuses a Twilio secret without a sender for the channel', async () => {
    const store = secrets({
      'herald/twilio': { accountSid: 'AC1', authToken: 't', smsFrom: '+1555' },
    });

    await expect(
      createProviderSource('whatsapp', { TWILIO_SECRET_ID: 'herald/twilio' }, store).get(),
    ).rejects.toThrow(/whatsappFrom or messagingServiceSid/);
  });

  it('builds the FCM provider from a service-account secret and reaches the fake', async () => {
    // As the local stack does: Google's OAuth endpoint answered by the FCM fake.
    const undo = redirectGoogleApis(fcm.url);
    onTestFinished(undo);
    const store = secrets({ 'herald/fcm': createLocalServiceAccount('herald-registry') });
    const source = createProviderSource(
      'push',
      { FCM_SECRET_ID: 'herald/fcm', FCM_API_BASE_URL: fcm.url },
      store,
    );

    const receipt = await (await source.get()).send(
      outbound('push', 'device-7', { title: 'T', body: 'B' }),
      sendOptions(),
    );

    expect(receipt.providerMessageId).toMatch(/^projects\/herald-registry\/messages\//);
    expect(outbox.list({ channel: 'push', recipient: 'device-7' })).toHaveLength(1);
  });
});
