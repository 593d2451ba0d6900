import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor, waitForFinal } from '../support/client';

type Client = ReturnType<typeof apiClient>;
type Delivery = {
  status: string;
  attempts: number;
  lastError?: string;
  providerMessageId?: string;
};

const put = (client: Client, path: string, body: unknown) => client.request('PUT', path, body);

const account = () => ({
  accountSid: `AC${randomBytes(16).toString('hex')}`,
  authToken: randomBytes(16).toString('hex'),
});

describe('providers per tenant › each tenant’s own Twilio account and Slack bot', () => {
  let stack: LocalStack;
  let acme: Client;
  let globex: Client;
  const twilio = { acme: account(), globex: account() };
  const bots = { acme: 'xoxb-acme-0000-aaaaaa', globex: 'xoxb-globex-0000-bbbbbb' };

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
    const keys = new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    );
    const scopes = ['send', 'read', 'admin'] as const;
    acme = apiClient(stack, (await keys.create('t-acme', { scopes: [...scopes] })).key);
    globex = apiClient(stack, (await keys.create('t-globex', { scopes: [...scopes] })).key);
    for (const [client, creds, from, bot] of [
      [acme, twilio.acme, '+14155551111', bots.acme],
      [globex, twilio.globex, '+14155552222', bots.globex],
    ] as const) {
      const sms = await put(client, '/v1/providers/sms/main', { ...creds, senders: [from] });
      expect(sms.status).toBe(201);
      expect((await put(client, '/v1/providers/slack/bot', { botToken: bot })).status).toBe(201);
    }
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function send(client: Client, channels: Record<string, unknown>) {
    const { status, body } = await client.post('/v1/notifications', { channels });
    expect(status).toBe(202);
    const done = await waitForFinal(client, body.id as string, 15_000);
    return { ...done, id: body.id as string };
  }

  it('sends each tenant’s SMS and Slack through its own account, number and bot', async () => {
    await send(acme, {
      sms: { to: ['+14155557001'], text: 'acme' },
      slack: { channel: '#acme-ops', text: 'acme' },
    });
    await send(globex, {
      sms: { to: ['+14155557002'], text: 'globex' },
      slack: { channel: '#globex-ops', text: 'globex' },
    });
    const sms = stack.outbox.list({ channel: 'sms' });
    expect(sms.find((e) => e.recipient === '+14155557001')).toMatchObject({
      account: twilio.acme.accountSid,
      content: { from: '+14155551111' },
    });
    expect(sms.find((e) => e.recipient === '+14155557002')).toMatchObject({
      account: twilio.globex.accountSid,
      content: { from: '+14155552222' },
    });
    const slack = stack.outbox.list({ channel: 'slack' });
    expect(slack.find((e) => e.recipient === '#acme-ops')?.account).toBe(bots.acme.slice(-6));
    expect(slack.find((e) => e.recipient === '#globex-ops')?.account).toBe(bots.globex.slice(-6));
  });

  it('never shows a credential: GET lists settings, rates and verification only', async () => {
    const { status, body } = await acme.get('/v1/providers');
    expect(status).toBe(200);
    const text = JSON.stringify(body);
    expect(text).not.toContain(twilio.acme.authToken);
    expect(text).not.toContain(bots.acme);
    expect(text).not.toContain(twilio.globex.accountSid);
    const items = body.items as { channel: string; rates: unknown[] }[];
    expect(items.map((p) => p.channel).sort()).toEqual(['slack', 'sms']);
    expect(items.find((p) => p.channel === 'sms')?.rates).toEqual([
      { sender: '+14155551111', ratePerSecond: 1, breaker: 'closed', recentFailures: 0 },
    ]);
  });

  it('verifies a Twilio status callback with the token of the account that sent it', async () => {
    const done = await send(acme, { sms: { to: ['+14155557003'], text: 'callback' } });
    const delivery = (done.deliveries as unknown as Delivery[])[0];
    const base = stack.env.TWILIO_STATUS_CALLBACK_URL ?? '';
    const url = `${base}?${new URLSearchParams({ n: String(done.id), d: 'sms#0', t: 't-acme' })}`;
    const form = {
      MessageSid: delivery?.providerMessageId ?? '',
      AccountSid: twilio.acme.accountSid,
      MessageStatus: 'undelivered',
      ErrorCode: '30003',
    };
    const post = (token: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': getExpectedTwilioSignature(token, url, form),
        },
        body: new URLSearchParams(form).toString(),
      });
    // Signed by the other tenant's account: refused, and nothing changes.
    expect((await post(twilio.globex.authToken)).status).toBe(403);
    // The fake's own callbacks (signed with acme's token) were taken: the delivery is delivered.
    await waitFor(
      async () => {
        const after = await acme.get(`/v1/notifications/${done.id}`);
        return (after.body.deliveries as Delivery[])[0]?.status === 'delivered' ? true : undefined;
      },
      10_000,
      'the fake’s own callbacks, signed with acme’s token, to be taken',
    );
    expect((await post(twilio.acme.authToken)).status).toBe(204);
  });

  it('verify: one real call says whether the provider takes the credentials', async () => {
    expect((await acme.post('/v1/providers/sms/main/verify', {})).body).toMatchObject({ ok: true });
    expect((await acme.post('/v1/providers/slack/bot/verify', {})).body).toMatchObject({
      ok: true,
    });
    await put(acme, '/v1/providers/slack/revoked', {
      botToken: 'xoxb-invalid-token-1',
      priority: 9,
    });
    const bad = await acme.post('/v1/providers/slack/revoked/verify', {});
    expect(bad.body).toMatchObject({
      ok: false,
      problem: 'Slack refused the bot token: invalid_auth',
    });
    await put(acme, '/v1/providers/sms/wrong', {
      ...account(),
      authToken: 'invalid-0123456789',
      senders: ['+14155553333'],
      priority: 9,
    });
    const twilioBad = await acme.post('/v1/providers/sms/wrong/verify', {});
    expect(twilioBad.body).toMatchObject({ ok: false });
    expect(String(twilioBad.body.problem)).toContain(
      'Twilio refused the account SID and auth token (20003)',
    );
    expect((await acme.post('/v1/providers/sms/nothing/verify', {})).status).toBe(404);
    // The answer is kept: GET shows it.
    const shown = await acme.get('/v1/providers/slack/revoked');
    expect(shown.body.verification).toMatchObject({ ok: false });
    await acme.delete('/v1/providers/slack/revoked');
    await acme.delete('/v1/providers/sms/wrong');
  });

  it('refuses credentials of the wrong shape at the field, and rates the provider cannot take', async () => {
    const missing = await put(acme, '/v1/providers/sms/x', {
      accountSid: twilio.acme.accountSid,
      senders: ['+14155550100'],
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([expect.objectContaining({ path: 'authToken' })]);
    const shape = await put(acme, '/v1/providers/slack/x', { botToken: 'xoxp-user-token' });
    expect(shape.body.errors).toEqual([
      expect.objectContaining({
        path: 'botToken',
        message: 'must be a Slack bot token (xoxb-...)',
      }),
    ]);
    const zero = await put(acme, '/v1/providers/sms/x', {
      ...account(),
      senders: ['+14155550100'],
      ratePerSecond: 0,
    });
    expect(zero.body.errors).toEqual([expect.objectContaining({ path: 'ratePerSecond' })]);
    const tooFast = await put(acme, '/v1/providers/sms/x', {
      ...account(),
      senders: ['+14155550100'],
      ratePerSecond: 5,
    });
    expect(tooFast.status).toBe(400);
    expect((tooFast.body.errors as { message: string }[])[0]?.message).toContain(
      'must be at most 1 segments/s, the limit of a long-code',
    );
    expect((await acme.get('/v1/providers/sms/x')).status).toBe(404);
  });

  it('fails a send through the tenant’s revoked credential permanently, not into the operator’s DLQ', async () => {
    const revoked = {
      accountSid: `AC${randomBytes(16).toString('hex')}`,
      authToken: 'invalid-revoked-000',
      senders: ['+14155554444'],
    };
    const { key } = await new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    ).create('t-initech', { scopes: ['send', 'read', 'admin'] });
    const initech = apiClient(stack, key);
    expect((await put(initech, '/v1/providers/sms/main', revoked)).status).toBe(201);
    const done = await send(initech, { sms: { to: ['+14155557004'], text: 'hi' } });
    const delivery = (done.deliveries as unknown as Delivery[])[0];
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1 });
    expect(delivery?.lastError).toContain(
      'the tenant provider sms/main refused its credentials (20003)',
    );
    expect((await stack.dlq()).sms).toEqual([]);
  });
});
