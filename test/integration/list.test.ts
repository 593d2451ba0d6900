import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// GET /v1/notifications on the local stack: newest first, filters, cursor paging, tenants apart.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let other: ReturnType<typeof apiClient>;
const ids: string[] = [];

type Page = {
  items: { id: string; status: string; channels: string[]; metadata?: Record<string, string> }[];
  nextCursor?: string;
};

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
  const keys = new ApiKeyStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({})),
    stack.env.TABLE_NAME ?? '',
  );
  other = apiClient(stack, (await keys.create('list-other')).key);
  // Seven notifications, oldest first: sms x3 (region eu), slack x2, one failing email, one later.
  const bodies = [
    { channels: { sms: { to: ['+14155550101'], text: 'a' } }, metadata: { region: 'eu' } },
    { channels: { sms: { to: ['+14155550102'], text: 'b' } }, metadata: { region: 'eu' } },
    { channels: { slack: { channel: '#ops', text: 'c' } }, metadata: { region: 'us' } },
    { channels: { sms: { to: ['+14155550103'], text: 'd' } }, metadata: { region: 'eu' } },
    { channels: { slack: { channel: '#ops', text: 'e' } } },
    { channels: { email: { to: ['fail-permanent@example.com'], subject: 's', text: 'f' } } },
    {
      channels: { sms: { to: ['+14155550104'], text: 'g' } },
      sendAt: new Date(Date.now() + 3_600_000).toISOString(),
    },
  ];
  for (const body of bodies) {
    const answer = await api.post('/v1/notifications', body);
    expect(answer.status).toBe(202);
    ids.push(String(answer.body.id));
    // Distinct creation times, so "newest first" has one answer.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await other.post('/v1/notifications', bodies[0]);
});
afterAll(() => stack?.stop());

const list = async (query = '', client = api) => {
  const answer = await client.get(`/v1/notifications${query}`);
  expect(answer.status).toBe(200);
  return answer.body as unknown as Page;
};

describe('GET /v1/notifications', () => {
  it('lists the tenant’s own notifications, newest first, with summaries', async () => {
    const page = await list();
    expect(page.items.map((i) => i.id)).toEqual([...ids].reverse());
    expect(page.nextCursor).toBeUndefined();
    expect(page.items[0]).toMatchObject({
      status: 'scheduled',
      channels: ['sms'],
      deliveries: 1,
      counts: { scheduled: 1 },
      byChannel: { sms: { scheduled: 1 } },
    });
    expect((await list('', other)).items).toHaveLength(1);
  });

  it('pages with limit and an opaque cursor, without repeats or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await list(`?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);
  });

  it('filters by channel, metadata, creation time and aggregate status', async () => {
    expect((await list('?channel=slack')).items.map((i) => i.id)).toEqual([ids[4], ids[2]]);
    expect((await list('?metadata.region=eu')).items.map((i) => i.id)).toEqual([
      ids[3],
      ids[1],
      ids[0],
    ]);
    const eu = await list('?metadata.region=eu&limit=2');
    expect(eu.items).toHaveLength(2);
    const rest = await list(
      `?metadata.region=eu&cursor=${encodeURIComponent(eu.nextCursor ?? '')}`,
    );
    expect(rest.items.map((i) => i.id)).toEqual([ids[0]]);

    const all = await list();
    const created = (id: string | undefined) =>
      (all.items.find((i) => i.id === id) as unknown as { createdAt: string }).createdAt;
    const window = await list(`?from=${created(ids[1])}&to=${created(ids[3])}`);
    expect(window.items.map((i) => i.id)).toEqual([ids[3], ids[2], ids[1]]);

    const failed = await waitFor(async () => {
      const page = await list('?status=failed');
      return page.items.length > 0 ? page : undefined;
    });
    expect(failed.items.map((i) => i.id)).toEqual([ids[5]]);
    expect((await list('?status=scheduled')).items.map((i) => i.id)).toEqual([ids[6]]);
  });

  it('another tenant’s cursor only resumes in the caller’s own list', async () => {
    const first = await list('?limit=1');
    const page = await list(`?cursor=${encodeURIComponent(first.nextCursor ?? '')}`, other);
    expect(page.items.every((i) => !ids.includes(i.id))).toBe(true);
  });

  it('400 with the parameter path for bad parameters', async () => {
    const cases: [string, string][] = [
      ['?limit=0', 'limit'],
      ['?limit=101', 'limit'],
      ['?limit=ten', 'limit'],
      ['?status=lost', 'status'],
      ['?channel=fax', 'channel'],
      ['?from=yesterday', 'from'],
      ['?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z', 'to'],
      ['?cursor=not-a-cursor', 'cursor'],
      ['?color=blue', 'color'],
      ['?metadata.a=1&metadata.b=2', 'metadata.b'],
      ['?limit=1&limit=2', 'limit'],
    ];
    for (const [query, path] of cases) {
      const answer = await api.get(`/v1/notifications${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.errors, query).toEqual(
        expect.arrayContaining([expect.objectContaining({ path })]),
      );
    }
  });
});
