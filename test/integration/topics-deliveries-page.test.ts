import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// GET /v1/notifications/{id} of a topic send lists its deliveries a page at a time: `limit`
// (1-1000, default 1,000) and `nextCursor` to the next page, so a send to any audience can be
// read to its last delivery.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
});
afterAll(async () => {
  await stack?.stop();
});

type Delivery = { id: string; status: string; recipientId?: string };

describe('GET /v1/notifications/{id} of a topic send, page by page', () => {
  it('follows nextCursor to every delivery, each listed once', async () => {
    const n = 23;
    expect((await api.request('PUT', '/v1/topics/paged', {})).status).toBe(201);
    const ids = Array.from({ length: n }, (_, i) => `paged-${i}`);
    const items = ids.map((id) => ({ id, emails: [`${id}@paged.example`] }));
    expect((await api.post('/v1/recipients/batch', { items })).status).toBe(200);
    expect((await api.post('/v1/topics/paged/subscribers', { ids })).status).toBe(200);
    const sent = await api.post('/v1/notifications', {
      to: { topic: 'paged' },
      channels: { email: { subject: 'Paged', text: 'hello' } },
    });
    expect(sent.status).toBe(202);
    const id = String(sent.body.id);
    await waitFor(
      async () => {
        const answer = await api.get(`/v1/notifications/${id}`);
        return (answer.body.fanout as { done: boolean }).done ? true : undefined;
      },
      30_000,
      'fan-out done',
    );

    const seen: Delivery[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = `limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api.get(`/v1/notifications/${id}?${query}`);
      expect(page.status).toBe(200);
      const deliveries = page.body.deliveries as Delivery[];
      expect(deliveries.length).toBeLessThanOrEqual(5);
      expect((page.body.fanout as { listed: number }).listed).toBe(deliveries.length);
      seen.push(...deliveries);
      cursor = page.body.nextCursor as string | undefined;
      pages++;
    } while (cursor && pages < 20);
    expect(cursor).toBeUndefined();
    expect(pages).toBeGreaterThanOrEqual(5);
    expect(new Set(seen.map((d) => d.id)).size).toBe(n);
    expect(new Set(seen.map((d) => d.recipientId))).toEqual(new Set(ids));

    // Without a query: the first 1,000, all of them here, and no cursor.
    const whole = await api.get(`/v1/notifications/${id}`);
    expect((whole.body.deliveries as Delivery[]).length).toBe(n);
    expect(whole.body.nextCursor).toBeUndefined();
  });

  it('answers 400 at the field for a bad cursor or limit, and for a cursor on an ordinary send', async () => {
    expect((await api.request('PUT', '/v1/topics/paged-bad', {})).status).toBe(201);
    const topicSend = await api.post('/v1/notifications', {
      to: { topic: 'paged-bad' },
      channels: { email: { subject: 'x', text: 'x' } },
    });
    const id = String(topicSend.body.id);
    const pathsOf = (body: Record<string, unknown>) =>
      (body.errors as { path: string }[]).map((e) => e.path);
    for (const [query, path] of [
      ['cursor=not-a-cursor', 'cursor'],
      [`cursor=${Buffer.from('{"s":0,"k":"META"}').toString('base64url')}`, 'cursor'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=ten', 'limit'],
    ]) {
      const answer = await api.get(`/v1/notifications/${id}?${query}`);
      expect(answer.status, query).toBe(400);
      expect(pathsOf(answer.body), query).toContain(path);
    }
    const ordinary = await api.post('/v1/notifications', {
      channels: { email: { to: ['one@paged.example'], subject: 'x', text: 'x' } },
    });
    const cursor = Buffer.from('{"s":0,"k":"DELIVERY#x"}').toString('base64url');
    const answer = await api.get(`/v1/notifications/${ordinary.body.id}?cursor=${cursor}`);
    expect(answer.status).toBe(400);
    expect(pathsOf(answer.body)).toContain('cursor');
  });
});
