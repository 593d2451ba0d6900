import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';
import { startReceiver } from '../support/webhook-receiver';

// Sending to a topic on the local stack: answered at once, fanned out a page at a time (100
// subscribers a page locally) by the fan-out function, each subscriber resolved with their
// preferences and address health; progress on GET, the end as an event, cancel mid-way.

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
};
type Fanout = {
  topic: string;
  status: string;
  total: number;
  enqueued: number;
  skipped: number;
  done: boolean;
};

/** A topic of `n` recipients with one email address each (`<prefix>-<i>@<prefix>.example`). */
async function topicOf(
  key: string,
  n: number,
  profile: (i: number) => Record<string, unknown> = () => ({}),
) {
  expect((await api.request('PUT', `/v1/topics/${key}`, {})).status).toBe(201);
  const ids = Array.from({ length: n }, (_, i) => `${key}-${i}`);
  for (let at = 0; at < n; at += 1000) {
    const items = ids.slice(at, at + 1000).map((id, j) => ({
      id,
      emails: [`${id}@${key}.example`],
      ...profile(at + j),
    }));
    expect((await api.post('/v1/recipients/batch', { items })).status).toBe(200);
    const subscribed = await api.post(`/v1/topics/${key}/subscribers`, {
      ids: ids.slice(at, at + 1000),
    });
    expect(subscribed.status).toBe(200);
  }
  return ids;
}

async function settled(id: string) {
  return waitFor(
    async () => {
      const answer = await api.get(`/v1/notifications/${id}`);
      const fanout = answer.body.fanout as Fanout;
      const open = (answer.body.deliveries as Delivery[]).some((d) =>
        ['queued', 'sending', 'scheduled'].includes(d.status),
      );
      return fanout.done && !open ? answer.body : undefined;
    },
    60_000,
    'fan-out settled',
  );
}

const sentTo = (domain: string) =>
  stack.outbox.list().filter((m) => m.recipient.endsWith(`@${domain}`));

describe('POST /v1/notifications with to: {topic}', () => {
  it('fans out with preferences and address health applied, shows progress, ends with an event', async () => {
    await api.post('/v1/webhooks', {
      url: `${receiver.url}/fanout`,
      events: ['notification.fanout_completed', 'notification.completed'],
    });
    await api.request('PUT', '/v1/categories/news', { name: 'News', defaults: { email: true } });
    await api.post('/v1/suppressions', { channel: 'email', recipient: 'mix-7@mix.example' });
    // 250 subscribers: every 10th opted out of news by email, one without any email address.
    const ids = await topicOf('mix', 250, (i) =>
      i % 10 === 3 ? { preferences: { categories: { news: { email: false } } } } : {},
    );
    await api.request('PUT', '/v1/recipients/mix-9', { phones: ['+14155550109'] });
    // mix-7's address was suppressed before the profile had it: it starts undeliverable.
    await api.request('PUT', '/v1/recipients/mix-7', { emails: ['mix-7@mix.example'] });

    const accepted = await api.post('/v1/notifications', {
      to: { topic: 'mix' },
      category: 'news',
      channels: { email: { subject: 'Mix news', text: 'Hello' } },
      metadata: { campaign: 'mix' },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({
      status: 'accepted',
      deliveries: 0,
      fanout: { topic: 'mix', status: 'running', total: 0, done: false },
    });
    const id = String(accepted.body.id);
    const body = await settled(id);
    const deliveries = body.deliveries as Delivery[];
    expect(body.fanout).toEqual({
      topic: 'mix',
      status: 'done',
      total: 250,
      enqueued: 223,
      skipped: 27,
      done: true,
      listed: 250,
      more: false,
    });
    const byReason = (reason: string) =>
      deliveries.filter((d) => d.skipReason === reason).map((d) => d.recipientId);
    expect(byReason('opted_out').sort()).toEqual(ids.filter((_, i) => i % 10 === 3).sort());
    expect(byReason('no_address')).toEqual(['mix-9']);
    expect(byReason('suppressed')).toEqual(['mix-7']);
    // Every reachable subscriber got exactly one message, nobody else did.
    const sent = sentTo('mix.example').map((m) => m.recipient);
    expect(sent).toHaveLength(223);
    expect(new Set(sent).size).toBe(223);
    expect(sent).not.toContain('mix-3@mix.example');

    const events = await waitFor(() => {
      const got = receiver.received.filter((r) => r.path === '/fanout' && r.body.includes(id));
      return got.length >= 2 ? got.map((r) => JSON.parse(r.body)) : undefined;
    }, 30_000);
    expect(events.find((e) => e.type === 'notification.fanout_completed')).toMatchObject({
      notificationId: id,
      topic: 'mix',
      status: 'done',
      total: 250,
      enqueued: 223,
      skipped: 27,
      metadata: { campaign: 'mix' },
    });
    expect(events.find((e) => e.type === 'notification.completed')).toMatchObject({
      notificationId: id,
      deliveries: 250,
    });
  });

  it('404 for a topic that does not exist; an empty topic is 202 with total 0 and ends at once', async () => {
    const missing = await api.post('/v1/notifications', {
      to: { topic: 'never-made' },
      channels: { email: { subject: 's', text: 't' } },
    });
    expect(missing.status).toBe(404);
    await api.request('PUT', '/v1/topics/empty', {});
    const accepted = await api.post('/v1/notifications', {
      to: { topic: 'empty' },
      channels: { email: { subject: 's', text: 't' } },
    });
    expect(accepted.status).toBe(202);
    const body = await settled(String(accepted.body.id));
    expect(body.fanout).toEqual({
      topic: 'empty',
      status: 'done',
      total: 0,
      enqueued: 0,
      skipped: 0,
      done: true,
      listed: 0,
      more: false,
    });
  });

  it('400 naming the field: a bad topic key, an extra field of to, an address in a block, the high lane', async () => {
    const answer = await api.post('/v1/notifications', {
      to: { topic: 'bad key', extra: 1 },
      priority: 'high',
      channels: { email: { to: ['x@y.example'], subject: 's', text: 't' } },
    });
    expect(answer.status).toBe(400);
    expect((answer.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(
      ['channels.email.to', 'priority', 'to.extra', 'to.topic'].sort(),
    );
  });

  it('renders a template once in the request locale; one that needs recipient fields is a 422', async () => {
    const publish = async (key: string, content: unknown) => {
      expect((await api.request('PUT', `/v1/templates/${key}`, content)).status).toBe(200);
      expect((await api.post(`/v1/templates/${key}/publish`, {})).status).toBe(201);
    };
    await publish('topic-news', {
      defaultLocale: 'en',
      locales: {
        en: { email: { subject: 'News {{ t }}', text: 'x' } },
        fr: { email: { subject: 'Nouvelles {{ t }}', text: 'x' } },
      },
    });
    await topicOf('tpl', 3);
    const accepted = await api.post('/v1/notifications', {
      to: { topic: 'tpl' },
      template: { key: 'topic-news' },
      data: { t: '42' },
      locale: 'fr-CA',
      channels: ['email'],
    });
    expect(accepted.status).toBe(202);
    await settled(String(accepted.body.id));
    expect(sentTo('tpl.example').map((m) => m.content.subject)).toEqual(
      Array(3).fill('Nouvelles 42'),
    );

    await publish('topic-personal', {
      defaultLocale: 'en',
      locales: { en: { email: { subject: 'Hi {{ recipient.name }}', text: 'x' } } },
    });
    const personal = await api.post('/v1/notifications', {
      to: { topic: 'tpl' },
      template: { key: 'topic-personal' },
      channels: ['email'],
    });
    expect(personal.status).toBe(422);
  });

  it('with sendAt the fan-out starts then: scheduled, nothing created before it', async () => {
    await topicOf('later', 5);
    const sendAt = new Date(Date.now() + 3_000).toISOString();
    const accepted = await api.post('/v1/notifications', {
      to: { topic: 'later' },
      sendAt,
      channels: { email: { subject: 'Later', text: 'x' } },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe('scheduled');
    const id = String(accepted.body.id);
    const early = await api.get(`/v1/notifications/${id}`);
    expect(early.body).toMatchObject({ sendAt, fanout: { status: 'running', total: 0 } });
    const body = await settled(id);
    expect(body.fanout).toMatchObject({ status: 'done', total: 5, enqueued: 5 });
    for (const d of body.deliveries as (Delivery & { createdAt: string })[]) {
      expect(Date.parse(d.createdAt)).toBeGreaterThanOrEqual(Date.parse(sendAt));
    }
  });

  it('DELETE mid-fan-out stops the rest: nothing is sent that was not already being sent', async () => {
    await topicOf('stop', 600);
    const accepted = await api.post('/v1/notifications', {
      to: { topic: 'stop' },
      channels: { email: { subject: 'Stop me', text: 'Hello' } },
    });
    const id = String(accepted.body.id);
    const cancel = await api.delete(`/v1/notifications/${id}`);
    expect(cancel.status).toBe(200);
    expect((cancel.body.fanout as Fanout).status).toBe('cancelled');
    // What had been claimed by the time of the answer: only those may still reach the fake.
    const snapshot = (await api.get(`/v1/notifications/${id}`)).body.deliveries as Delivery[];
    const claimed = snapshot.filter((d) => !['cancelled', 'queued'].includes(d.status)).length;
    const body = await settled(id);
    const fanout = body.fanout as Fanout;
    expect(fanout.status).toBe('cancelled');
    expect(fanout.total).toBeLessThan(600);
    const deliveries = body.deliveries as Delivery[];
    expect(deliveries.every((d) => ['cancelled', 'sent', 'delivered'].includes(d.status))).toBe(
      true,
    );
    const sent = sentTo('stop.example');
    expect(sent.length).toBe(deliveries.filter((d) => d.status !== 'cancelled').length);
    expect(sent.length).toBeLessThanOrEqual(claimed);
  });
});
