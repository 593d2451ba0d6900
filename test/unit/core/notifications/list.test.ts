import { describe, expect, it } from 'vitest';
import {
  listNotifications,
  MAX_ROWS_EXAMINED,
} from '../../../../functions/core/notifications/list';
import type { Channel, DeliveryStatus } from '../../../../functions/core/notifications/model';
import type {
  IndexedNotification,
  NotificationIndex,
} from '../../../../functions/core/notifications/ports';
import { InvalidRequestError } from '../../../../functions/core/shared/errors';

/** An index over `count` notifications, newest first; every `failEvery`-th one failed. */
function index(count: number, failEvery = 0) {
  const rows: IndexedNotification[] = Array.from({ length: count }, (_, i) => {
    const createdAt = new Date(Date.UTC(2030, 0, 1) + (count - i) * 1000).toISOString();
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    return {
      id,
      createdAt,
      priority: 'normal',
      channels: ['sms'],
      deliveryCount: 1,
      position: `${createdAt}#${id}`,
    };
  });
  const calls = { page: 0, statuses: 0 };
  const fake: NotificationIndex = {
    async page(_tenant, query) {
      calls.page++;
      const start = query.after ? rows.findIndex((r) => r.position === query.after) + 1 : 0;
      const slice = rows.slice(start, start + query.limit);
      const last = slice.at(-1);
      return {
        rows: slice,
        ...(start + query.limit < rows.length && last ? { lastPosition: last.position } : {}),
      };
    },
    async deliveryStatuses(id) {
      calls.statuses++;
      const n = Number(id.slice(-12));
      const status: DeliveryStatus = failEvery && n % failEvery === 0 ? 'failed' : 'delivered';
      return [{ channel: 'sms' as Channel, status }];
    },
  };
  return { fake, calls };
}

describe('listNotifications', () => {
  it('pages through every notification once, newest first', async () => {
    const { fake } = index(7);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listNotifications(fake, 't', { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect(seen[0]).toMatch(/0{12}$/);
  });

  it('with a sparse status filter, stops after a bounded read and hands back a cursor', async () => {
    const { fake, calls } = index(1_000, 400);
    const page = await listNotifications(fake, 't', { limit: 25, status: 'failed' });
    expect(calls.statuses).toBeLessThanOrEqual(MAX_ROWS_EXAMINED);
    expect(page.items.map((i) => i.status)).toEqual(['failed']);
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = await listNotifications(fake, 't', {
      limit: 25,
      status: 'failed',
      cursor: page.nextCursor ?? '',
    });
    expect(next.items.every((i) => i.status === 'failed')).toBe(true);
  });

  it('refuses a cursor it did not issue with a 400 on `cursor`', async () => {
    const { fake } = index(3);
    const forged = Buffer.from(JSON.stringify({ v: 1, p: 'TENANT#other' })).toString('base64url');
    for (const cursor of ['nope', forged]) {
      const error = await listNotifications(fake, 't', { limit: 5, cursor }).catch((e) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).errors[0]?.path).toBe('cursor');
    }
  });
});
