import { beforeEach, describe, expect, it } from 'vitest';
import { shardOfDelivery } from '../../../../functions/core/notifications/delivery-shards';
import type { DeliveryRecord } from '../../../../functions/core/notifications/model';
import type { RecipientProfile } from '../../../../functions/core/recipients/model';
import type { RecipientStore } from '../../../../functions/core/recipients/ports';
import {
  type FanoutDependencies,
  fanoutDeliveryId,
  fanoutPage,
  resumeStalledFanouts,
} from '../../../../functions/core/topics/fanout';
import type { FanoutMessage, FanoutState } from '../../../../functions/core/topics/model';
import type { FanoutStore, TopicStore } from '../../../../functions/core/topics/ports';
import {
  acceptTopicSend,
  cancelFanout,
  describeFanout,
  LISTED_DELIVERIES,
} from '../../../../functions/core/topics/send';
import { InMemoryQueue, InMemoryRepository } from '../fakes';

/** The fan-out checkpoint in memory, with the store's conditions. */
class MemoryFanouts implements FanoutStore {
  states = new Map<string, FanoutState & { stallAt?: number }>();
  constructor(private readonly repo: InMemoryRepository) {}
  async create(state: FanoutState, stallAt: number) {
    this.states.set(state.notificationId, { ...structuredClone(state), stallAt });
  }
  async get(id: string) {
    const s = this.states.get(id);
    return s ? structuredClone(s) : undefined;
  }
  async createDeliveries(deliveries: readonly DeliveryRecord[]) {
    const created = new Set<string>();
    for (const d of deliveries) {
      if (this.repo.delivery(d.notificationId, d.deliveryId)) continue;
      this.repo.deliveries.set(`${d.notificationId}/${d.deliveryId}`, structuredClone(d));
      created.add(d.deliveryId);
    }
    return created;
  }
  async checkpoint(
    id: string,
    page: number,
    next: { cursor?: string; done: boolean; stallAt: number; now: string },
    add: { total: number; enqueued: number; skipped: number },
  ) {
    const s = this.states.get(id);
    if (!s || s.page !== page || s.status !== 'running') return false;
    s.page = page + 1;
    if (next.cursor === undefined) delete s.cursor;
    else s.cursor = next.cursor;
    s.total += add.total;
    s.enqueued += add.enqueued;
    s.skipped += add.skipped;
    s.updatedAt = next.now;
    if (next.done) {
      s.status = 'done';
      delete s.stallAt;
    } else s.stallAt = next.stallAt;
    return true;
  }
  async cancel(id: string, now: string) {
    const s = this.states.get(id);
    if (s?.status !== 'running') return undefined;
    const before = structuredClone(s);
    s.status = 'cancelled';
    s.updatedAt = now;
    return before;
  }
  async settle(id: string) {
    const s = this.states.get(id);
    if (s) delete s.stallAt;
  }
  async stalled(now: number) {
    return [...this.states.values()]
      .filter((s) => s.stallAt !== undefined && s.stallAt <= now)
      .map((s) => s.notificationId);
  }
  async deliveriesPage(id: string, limit: number) {
    const all = [...this.repo.deliveries.values()].filter((d) => d.notificationId === id);
    return { deliveries: all.slice(0, limit), more: all.length > limit };
  }
  async touch(id: string, stallAt: number) {
    const s = this.states.get(id);
    if (s?.stallAt !== undefined) s.stallAt = stallAt;
  }
}

/** One topic of ids, listed in order, a numeric cursor. */
function topicOf(ids: string[]): TopicStore {
  return {
    putTopic: async (topic) => ({ created: true, topic }),
    getTopic: async (tenantId, key) =>
      key === 'news' ? { tenantId, key, createdAt: '', updatedAt: '' } : undefined,
    listTopics: async () => ({ items: [] }),
    subscribe: async () => undefined,
    unsubscribe: async () => true,
    async subscribers(_t, _k, { cursor, limit }) {
      const from = cursor === undefined ? 0 : Number(cursor);
      const items = ids.slice(from, from + limit);
      return from + limit < ids.length ? { items, nextCursor: String(from + limit) } : { items };
    },
    topicsOf: async () => [],
  };
}

const profileOf = (id: string): RecipientProfile =>
  ({
    id,
    tenantId: 't',
    emails: id.endsWith('-off')
      ? []
      : [{ address: `${id}@x.example`, status: 'ok', since: '', source: 'api' }],
    phones: [],
    pushTokens: [],
    preferences: {},
    createdAt: '',
    updatedAt: '',
    version: 1,
  }) as unknown as RecipientProfile;

const ids = [...Array.from({ length: 23 }, (_, i) => `r${i}`), 'r-off'];
let repo: InMemoryRepository;
let queue: InMemoryQueue;
let fanouts: MemoryFanouts;
let pages: Omit<FanoutMessage, 'v'>[];
let deps: FanoutDependencies;
let clock: number;

beforeEach(async () => {
  repo = new InMemoryRepository();
  queue = new InMemoryQueue();
  fanouts = new MemoryFanouts(repo);
  pages = [];
  clock = 1_000_000;
  deps = {
    fanouts,
    topics: topicOf(ids),
    recipients: {
      batchGet: async (_t: string, wanted: readonly string[]) =>
        new Map(wanted.map((id) => [id, profileOf(id)])),
    } as unknown as RecipientStore,
    store: repo,
    queue,
    fanoutQueue: { send: async (m) => void pages.push(m) },
    category: async () => undefined,
    mqtt: () => ({ namespace: 'herald/t/' }),
    pageSize: 10,
    stallAfterMs: 60_000,
    expiresAt: () => 0,
    now: () => clock,
  };
  await acceptTopicSend(
    { ...deps, topics: topicOf(ids) },
    {
      topic: 'news',
      request: {
        channels: { email: { channel: 'email', recipients: [], content: { subject: 's' } } },
        priority: 'normal',
      },
    },
    { id: 'n1', tenantId: 't', now: clock },
  );
});

/** Works the fan-out queue until it is empty. */
async function drain(d: FanoutDependencies = deps) {
  while (pages.length > 0) {
    const next = pages.shift() as Omit<FanoutMessage, 'v'>;
    await fanoutPage(d, { v: 1, ...next });
  }
}

const enqueuedIds = () => queue.messages.map((m) => m.record.deliveryId);

describe('topics › fanoutPage', () => {
  it('pages through every subscriber once, recording who cannot be reached, and ends done', async () => {
    expect(pages).toEqual([{ notificationId: 'n1', page: 0 }]);
    await drain();
    const state = await fanouts.get('n1');
    expect(state).toMatchObject({ status: 'done', page: 3, total: 24, enqueued: 23, skipped: 1 });
    expect(new Set(enqueuedIds()).size).toBe(23);
    expect(enqueuedIds()).toContain(fanoutDeliveryId('email', 'r0', 'r0@x.example'));
    const skipped = [...repo.deliveries.values()].filter((d) => d.status === 'skipped');
    expect(skipped.map((d) => [d.recipientId, d.skipReason])).toEqual([['r-off', 'no_address']]);
  });

  it('names a delivery shard in every id, except for a send accepted before shards existed', async () => {
    const legacy = fanouts.states.get('n1');
    if (legacy) delete legacy.deliveryShards;
    await drain();
    expect(enqueuedIds()).toContain(fanoutDeliveryId('email', 'r0', 'r0@x.example', false));
    expect(enqueuedIds().every((id) => shardOfDelivery(id) === 0 && !id.includes('.'))).toBe(true);
    expect(fanoutDeliveryId('email', 'r0', 'r0@x.example')).toMatch(/^email#\d{1,2}\./);
  });

  it('a page re-run after dying mid-enqueue creates nothing twice and moves the checkpoint once', async () => {
    const dying: FanoutDependencies = {
      ...deps,
      queue: {
        channels: queue.channels,
        async enqueue(deliveries, priority) {
          await queue.enqueue(deliveries.slice(0, 4), priority);
          throw new Error('killed');
        },
      },
    };
    const first = pages.shift() as Omit<FanoutMessage, 'v'>;
    await expect(fanoutPage(dying, { v: 1, ...first })).rejects.toThrow('killed');
    expect((await fanouts.get('n1'))?.page).toBe(0);
    // The message comes back (SQS redelivery) and the rest runs normally.
    pages.push(first);
    await drain();
    expect(await fanouts.get('n1')).toMatchObject({ status: 'done', total: 24, enqueued: 23 });
    expect(repo.deliveries.size).toBe(24);
    // Messages for the 4 enqueued twice: the claim lets one attempt through.
    expect(enqueuedIds()).toHaveLength(27);
    expect(new Set(enqueuedIds()).size).toBe(23);
  });

  it('a stale copy of a finished page re-sends the next page instead of redoing it', async () => {
    await fanoutPage(
      { ...deps, fanoutQueue: { send: async () => undefined } },
      { v: 1, notificationId: 'n1', page: 0 },
    );
    pages.length = 0;
    expect(await fanoutPage(deps, { v: 1, notificationId: 'n1', page: 0 })).toEqual({
      outcome: 'stale',
    });
    expect(pages).toEqual([{ notificationId: 'n1', page: 1 }]);
    expect(enqueuedIds()).toHaveLength(10);
  });

  it('the reconciler re-sends the page of a fan-out whose checkpoint stopped moving', async () => {
    pages.length = 0; // the first page's message was lost
    expect(await resumeStalledFanouts(deps, clock + 30_000)).toEqual([]);
    expect(await resumeStalledFanouts(deps, clock + 61_000)).toEqual(['n1']);
    expect(await resumeStalledFanouts(deps, clock + 62_000)).toEqual([]);
    await drain();
    expect(await fanouts.get('n1')).toMatchObject({ status: 'done', total: 24 });
  });

  it('a cancel while a page is being written: that page is cancelled, nothing further enqueued', async () => {
    const racing: FanoutDependencies = {
      ...deps,
      fanouts: Object.assign(Object.create(fanouts), {
        createDeliveries: async (ds: readonly DeliveryRecord[]) => {
          const created = await fanouts.createDeliveries(ds);
          await cancelFanout({ store: repo, fanouts }, 'n1', 't', clock);
          return created;
        },
      }),
    };
    await drain(racing);
    expect(queue.messages).toHaveLength(0);
    expect((await fanouts.get('n1'))?.status).toBe('cancelled');
    const statuses = [...repo.deliveries.values()].map((d) => d.status);
    expect(statuses.filter((s) => s === 'queued')).toEqual([]);
    expect(pages).toEqual([]);
  });
});

describe('topics › a cancel reads what a page just wrote', () => {
  it('sweeps rows a page enqueued just before the cancel, even where plain reads lag', async () => {
    // An eventually consistent read that has not seen the page's rows yet: only a strongly
    // consistent one does.
    const laggingGet = (id: string, options?: { consistent?: boolean }) =>
      options?.consistent
        ? repo.get(id)
        : repo.get(id).then((found) => found && { ...found, deliveries: [] });
    const lagging = new Proxy(repo, {
      get(target, prop) {
        if (prop === 'get') return laggingGet;
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    // The cancel comes right after the first page was enqueued (its rows queued, not yet claimed).
    let cancelled = false;
    const racing: FanoutDependencies = {
      ...deps,
      queue: {
        channels: queue.channels,
        enqueue: async (ds, priority, delay) => {
          const failed = await queue.enqueue(ds, priority, delay);
          if (!cancelled) {
            cancelled = true;
            await cancelFanout({ store: lagging, fanouts }, 'n1', 't', clock);
          }
          return failed;
        },
      },
    };
    await drain(racing);
    const statuses = [...repo.deliveries.values()].map((d) => d.status);
    expect(statuses.length).toBeGreaterThan(0);
    // Not yet claimed when the answer came: cancelled, so none is sent after it.
    expect(statuses.filter((s) => s === 'queued')).toEqual([]);
  });
});

describe('topics › describeFanout and cancelFanout', () => {
  it('lists the first 1,000 deliveries of a large topic send, with its progress', async () => {
    const big = Array.from({ length: 1_005 }, (_, i) => `r${i}`);
    deps = { ...deps, topics: topicOf(big), pageSize: 1000 };
    await drain();
    const described = await describeFanout(fanouts, 'n1', 't');
    expect(described?.deliveries).toHaveLength(LISTED_DELIVERIES);
    expect(described?.fanout).toMatchObject({
      status: 'done',
      total: 1_005,
      listed: 1_000,
      more: true,
    });
    await expect(describeFanout(fanouts, 'n1', 'other-tenant')).rejects.toThrow('not found');
    expect(await describeFanout(fanouts, 'not-a-topic-send', 't')).toBeUndefined();
  });

  it('leaves a notification that is not a running fan-out to the ordinary cancel, writing nothing', async () => {
    const cancel = fanouts.cancel.bind(fanouts);
    let writes = 0;
    fanouts.cancel = async (id, now) => {
      writes++;
      return cancel(id, now);
    };
    expect(await cancelFanout({ store: repo, fanouts }, 'plain', 't', clock)).toBeUndefined();
    expect(writes).toBe(0);
    await drain();
    expect(await cancelFanout({ store: repo, fanouts }, 'n1', 't', clock)).toBeUndefined();
  });
});

describe('topics › sendAt', () => {
  it('the first page waits in hops of at most 15 minutes until sendAt, then runs', async () => {
    const sendAt = clock + 20 * 60_000;
    await acceptTopicSend(
      { ...deps },
      {
        topic: 'news',
        request: {
          channels: { email: { channel: 'email', recipients: [], content: { subject: 's' } } },
          priority: 'normal',
          sendAt,
        },
      },
      { id: 'later', tenantId: 't', now: clock },
    );
    const delays: (number | undefined)[] = [];
    const waiting: FanoutDependencies = {
      ...deps,
      fanoutQueue: {
        send: async (m, delay) => {
          delays.push(delay);
          pages.push(m);
        },
      },
    };
    const first = pages.pop() as Omit<FanoutMessage, 'v'>;
    expect(first).toEqual({ notificationId: 'later', page: 0, notBefore: sendAt });
    expect(await fanoutPage(waiting, { v: 1, ...first })).toEqual({ outcome: 'waiting' });
    expect(delays).toEqual([900]);
    clock = sendAt - 5_000;
    expect(await fanoutPage(waiting, { v: 1, ...first })).toEqual({ outcome: 'waiting' });
    expect(delays).toEqual([900, 5]);
    expect(queue.messages.filter((m) => m.record.notificationId === 'later')).toEqual([]);
    clock = sendAt;
    expect((await fanoutPage(waiting, { v: 1, ...first })).outcome).toBe('page');
  });
});
