import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';
import { startReceiver } from '../support/webhook-receiver';

// Provider feedback marks the address (not the recipient) on the profiles holding it, the
// suppression list agrees, and the next send skips it. Fakes: an address containing `bounce`
// hard-bounces (SES), a number ending 0005 has replied STOP (Twilio 21610), a token containing
// `unregistered` is gone (FCM).

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
  await api.post('/v1/webhooks', {
    url: `${receiver.url}/recipients`,
    events: ['recipient.address_changed'],
  });
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

type Delivery = { channel: string; status: string; skipReason?: string };
type Health = { status: string; source: string; channels?: string[] };

async function send(body: Record<string, unknown>): Promise<string> {
  const accepted = await api.post('/v1/notifications', body);
  expect(accepted.status).toBe(202);
  return String(accepted.body.id);
}

async function settled(id: string, done: (d: Delivery) => boolean): Promise<Delivery[]> {
  return waitFor(async () => {
    const ds = (await api.get(`/v1/notifications/${id}`)).body.deliveries as Delivery[];
    return ds.every(done) ? ds : undefined;
  });
}

const profile = async (id: string) =>
  (await api.get(`/v1/recipients/${id}`)).body as unknown as {
    emails: ({ address: string } & Health)[];
    phones: ({ number: string } & Health)[];
    pushTokens: ({ token: string } & Health)[];
  };

describe('address health from provider feedback', () => {
  it('bounce -> the address is marked bounced (event) -> the next send skips it', async () => {
    await api.request('PUT', '/v1/recipients/h-bounce', {
      emails: ['bounce-h1@health.example', 'fine-h1@health.example'],
    });
    const content = { email: { subject: 's', text: 't' } };
    await settled(await send({ to: ['h-bounce'], channels: content }), (d) =>
      ['bounced', 'delivered'].includes(d.status),
    );
    const marked = await waitFor(async () => {
      const p = await profile('h-bounce');
      return p.emails[0]?.status === 'bounced' ? p : undefined;
    });
    expect(marked.emails[0]?.source).toMatch(/^ses:/);
    expect(marked.emails[1]?.status).toBe('ok'); // that address only, not the recipient
    const next = await settled(await send({ to: ['h-bounce'], channels: content }), (d) =>
      ['skipped', 'delivered'].includes(d.status),
    );
    expect(next.map((d) => [d.status, d.skipReason])).toEqual([
      ['delivered', undefined],
      ['skipped', 'address_invalid'],
    ]);
    const event = await waitFor(() =>
      receiver.received.find((r) => r.body.includes('bounce-h1@health.example')),
    );
    expect(JSON.parse(event.body)).toMatchObject({
      type: 'recipient.address_changed',
      recipientId: 'h-bounce',
      kind: 'email',
      status: 'bounced',
      previousStatus: 'ok',
    });

    // An admin lifting the suppression sets the address back to ok.
    const lifted = await api.delete(
      `/v1/suppressions/email/${encodeURIComponent('bounce-h1@health.example')}`,
    );
    expect(lifted.status).toBe(204);
    expect((await profile('h-bounce')).emails[0]?.status).toBe('ok');
  });

  it('STOP (21610) -> the number is unsubscribed for SMS only: SMS skipped, WhatsApp still sent', async () => {
    await api.request('PUT', '/v1/recipients/h-stop', { phones: ['+14155550005'] });
    await settled(await send({ to: ['h-stop'], channels: { sms: { text: 'hi' } } }), (d) =>
      ['failed', 'undelivered'].includes(d.status),
    );
    const marked = await waitFor(async () => {
      const p = await profile('h-stop');
      return p.phones[0]?.status === 'unsubscribed' ? p : undefined;
    });
    expect(marked.phones[0]).toMatchObject({
      channels: ['sms'],
      source: expect.stringMatching(/^twilio:.*21610/),
    });
    const next = await settled(
      await send({ to: ['h-stop'], channels: { sms: { text: 'hi' }, whatsapp: { text: 'hi' } } }),
      (d) => d.status === 'skipped' || d.channel === 'whatsapp',
    );
    expect(next.map((d) => [d.channel, d.skipReason])).toEqual([
      ['sms', 'opted_out'],
      ['whatsapp', undefined],
    ]);
  });

  it('FCM UNREGISTERED -> the token is marked unregistered', async () => {
    await api.request('PUT', '/v1/recipients/h-push', {
      pushTokens: [{ token: 'tok-unregistered-h3', platform: 'android' }],
    });
    await send({ to: ['h-push'], channels: { push: { title: 't', body: 'b' } } });
    const marked = await waitFor(async () => {
      const p = await profile('h-push');
      return p.pushTokens[0]?.status === 'unregistered' ? p : undefined;
    });
    expect(marked.pushTokens[0]?.source).toMatch(/^fcm:/);
  });
});
