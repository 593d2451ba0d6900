import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor, waitForStatuses } from '../support/client';
import { startReceiver } from '../support/webhook-receiver';

// Sending to recipient ids on the local stack: each id resolved per channel to its healthy
// addresses; whoever cannot be reached gets a recorded `skipped` delivery with the reason.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

type Delivery = {
  id: string;
  channel: string;
  status: string;
  recipientId?: string;
  skipReason?: string;
  recipient: string;
};

const put = (id: string, profile: unknown) => api.request('PUT', `/v1/recipients/${id}`, profile);

describe('POST /v1/notifications with to: [recipient ids]', () => {
  it('sends to every healthy address and records a skip, with its reason, for the rest', async () => {
    const hook = await api.post('/v1/webhooks', {
      url: `${receiver.url}/skips`,
      events: ['delivery.skipped'],
    });
    expect(hook.status).toBe(201);
    await api.post('/v1/suppressions', { channel: 'sms', recipient: '+14155550199' });
    await put('s-ok', { emails: ['ok@send.example'], phones: ['+14155550190'] });
    await put('s-email-only', { emails: ['only@send.example'] });
    await put('s-no-sms', { phones: ['+14155550191'], preferences: { channels: { sms: false } } });
    await put('s-suppressed', { phones: ['+14155550199'] });

    const accepted = await api.post('/v1/notifications', {
      to: ['s-ok', 's-email-only', 's-no-sms', 's-suppressed', 's-unknown'],
      channels: { email: { subject: 'Hello', text: 'Hi' }, sms: { text: 'Hi' } },
    });
    expect(accepted.status).toBe(202);
    const id = String(accepted.body.id);
    const { body } = await waitFor(async () => {
      const answer = await api.get(`/v1/notifications/${id}`);
      const ds = answer.body.deliveries as Delivery[];
      return ds.every((d) => ['sent', 'delivered', 'skipped'].includes(d.status))
        ? answer
        : undefined;
    });
    const deliveries = body.deliveries as Delivery[];
    const of = (recipientId: string, channel: string) =>
      deliveries.filter((d) => d.recipientId === recipientId && d.channel === channel);
    expect(of('s-ok', 'email').map((d) => d.status)).toEqual([
      expect.stringMatching(/sent|delivered/),
    ]);
    expect(of('s-ok', 'sms').map((d) => d.status)).toEqual([
      expect.stringMatching(/sent|delivered/),
    ]);
    expect(of('s-email-only', 'sms')).toEqual([
      expect.objectContaining({ status: 'skipped', skipReason: 'no_address' }),
    ]);
    expect(of('s-no-sms', 'sms')).toEqual([
      expect.objectContaining({ status: 'skipped', skipReason: 'opted_out' }),
    ]);
    expect(of('s-no-sms', 'email')).toEqual([
      expect.objectContaining({ status: 'skipped', skipReason: 'no_address' }),
    ]);
    expect(of('s-suppressed', 'sms')).toEqual([
      expect.objectContaining({ status: 'skipped', skipReason: 'suppressed' }),
    ]);
    expect(of('s-unknown', 'email')).toEqual([
      expect.objectContaining({ status: 'skipped', skipReason: 'no_address' }),
    ]);
    // Skipped deliveries never reach a provider: s-ok's two messages and s-email-only's email.
    const mine = [
      'ok@send.example',
      'only@send.example',
      '+14155550190',
      '+14155550191',
      '+14155550199',
    ];
    const sent = stack.outbox.list().filter((m) => mine.includes(m.recipient));
    expect(sent.map((m) => m.recipient).sort()).toEqual([
      '+14155550190',
      'ok@send.example',
      'only@send.example',
    ]);
    expect(body.status).toMatch(/sent|delivered/);

    const skipped = deliveries.filter((d) => d.status === 'skipped').length;
    const events = await waitFor(() => {
      const got = receiver.received.filter((r) => r.path === '/skips' && r.body.includes(id));
      return got.length >= skipped ? got : undefined;
    });
    expect(events.map((e) => JSON.parse(e.body).type)).toEqual(
      Array(skipped).fill('delivery.skipped'),
    );
  });

  it('upserts inline profiles first, then sends to them; keeps raw-address sends as they were', async () => {
    const accepted = await api.post('/v1/notifications', {
      to: [{ id: 's-inline', emails: ['inline@send.example'], name: 'In Line' }],
      channels: { email: { subject: 'Welcome', text: 'Hi' } },
    });
    expect(accepted.status).toBe(202);
    const profile = await api.get('/v1/recipients/s-inline');
    expect(profile.body).toMatchObject({ name: 'In Line' });
    await waitForStatuses(api, String(accepted.body.id), { email: 'delivered' });

    const raw = await api.post('/v1/notifications', {
      channels: { sms: { to: ['+14155550170'], text: 'raw' } },
    });
    expect(raw.status).toBe(202);
  });

  it('400 naming the field: an address in a channel block, a bad id, an unknown category', async () => {
    const answer = await api.post('/v1/notifications', {
      to: ['ok-id', 'bad id'],
      channels: { email: { to: ['x@send.example'], subject: 's', text: 't' } },
    });
    expect(answer.status).toBe(400);
    expect((answer.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual([
      'channels.email.to',
      'to[1]',
    ]);
    const unknown = await api.post('/v1/notifications', {
      to: ['ok-id'],
      category: 'never-defined',
      channels: { sms: { text: 't' } },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'category' })]);
  });
});
