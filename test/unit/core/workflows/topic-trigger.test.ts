import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../../functions/core/workflows/model';
import type { WorkflowRepository } from '../../../../functions/core/workflows/ports';
import type {
  TopicTriggerState,
  TopicTriggerStore,
} from '../../../../functions/core/workflows/topic-trigger';
import {
  cancelByKey,
  type TopicTriggerPageDependencies,
  topicTriggerPage,
} from '../../../../functions/core/workflows/topic-trigger-page';

// The trigger stage on in-memory stores: pages in order, one run per subscriber however often a
// page runs, and a cancel that lands while a page is writing its runs starts none of them.

function world(subscribers: string[], pageSize: number) {
  const states = new Map<string, TopicTriggerState>();
  const runs = new Map<string, RunRecord>();
  const started: string[] = [];
  const queued: { triggerId: string; page: number }[] = [];
  /** Called after a page's runs are written, before it reads its trigger again. */
  let afterCreates: (() => unknown) | undefined;
  const triggers: TopicTriggerStore = {
    async create(state) {
      const found = states.get(state.id);
      if (found) return { created: false, state: found };
      states.set(state.id, { ...state });
      return { created: true, state };
    },
    async get(id) {
      const s = states.get(id);
      return s && { ...s };
    },
    async checkpoint(id, page, next, add) {
      const s = states.get(id);
      if (!s || s.page !== page || s.status !== 'running') return false;
      Object.assign(s, {
        page: page + 1,
        status: next.done ? 'done' : 'running',
        subscribers: s.subscribers + add.subscribers,
        started: s.started + add.started,
        ...(next.cursor !== undefined && { cursor: next.cursor }),
      });
      return true;
    },
    stalled: async () => [],
    touch: async () => undefined,
    async cancelByKey(tenantId, key) {
      const ids: string[] = [];
      for (const s of states.values())
        if (s.tenantId === tenantId && s.cancellationKey === key && s.status === 'running') {
          s.status = 'cancelled';
          ids.push(s.id);
        }
      return ids;
    },
  };
  const repo = {
    async createRun(run: RunRecord) {
      const found = runs.get(run.id);
      if (found) return { created: false, run: found };
      runs.set(run.id, { ...run });
      return { created: true, run };
    },
    async createRuns(list: readonly RunRecord[]) {
      return Promise.all(list.map((run) => repo.createRun(run)));
    },
    async getRun(id: string) {
      return runs.get(id);
    },
    async cancelRun(id: string) {
      const run = runs.get(id);
      if (run?.status !== 'running') return 'notRunning' as const;
      run.status = 'cancelled';
      return 'cancelled' as const;
    },
    waiters: async () => [],
    deleteWaiter: async () => undefined,
  };
  const engine = {
    start: async (id: string) => {
      started.push(id);
    },
    completeCallback: async () => undefined,
  };
  const deps: TopicTriggerPageDependencies = {
    triggers: { ...triggers },
    queue: { send: async (m) => void queued.push(m) },
    subscribers: async (_t, _topic, { cursor, limit }) => {
      const from = cursor === undefined ? 0 : Number(cursor);
      const items = subscribers.slice(from, from + limit);
      const next = from + limit < subscribers.length ? String(from + limit) : undefined;
      return { items, ...(next !== undefined && { nextCursor: next }) };
    },
    runs: repo as unknown as WorkflowRepository,
    engine,
    cancel: { runs: repo, engine, cancelNotification: async () => undefined },
    pageSize,
    stallAfterMs: 1000,
  };
  // Counts the page's reads of its trigger: the second is the one after the creates.
  let reads = 0;
  deps.triggers.get = async (id) => {
    if (++reads % 2 === 0) await afterCreates?.();
    return triggers.get(id);
  };
  const state: TopicTriggerState = {
    id: 'wtr_1',
    tenantId: 't',
    workflowKey: 'w',
    version: 1,
    topic: 'news',
    data: {},
    status: 'running',
    cancellationKey: 'ck',
    page: 0,
    subscribers: 0,
    started: 0,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  states.set(state.id, state);
  return {
    deps,
    runs,
    started,
    queued,
    state: () => states.get('wtr_1'),
    onAfterCreates: (f: () => unknown) => {
      afterCreates = f;
    },
    cancel: () =>
      cancelByKey(
        { triggers, cancel: deps.cancel },
        {
          tenantId: 't',
          cancellationKey: 'ck',
          runsByKey: async () => [...runs.keys()],
          now: 0,
        },
      ),
  };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `r${i}`);

describe('trigger pages', () => {
  it('starts one run per subscriber over every page, however often a page is delivered', async () => {
    const w = world(ids(7), 3);
    for (let page = 0; w.state()?.status === 'running'; page++) {
      await topicTriggerPage(w.deps, { v: 1, triggerId: 'wtr_1', page });
      // A duplicate of the page just done: recognised by the checkpoint, queues the next again.
      expect(await topicTriggerPage(w.deps, { v: 1, triggerId: 'wtr_1', page })).toMatchObject({
        outcome: w.state()?.status === 'running' ? 'stale' : 'finished',
      });
    }
    expect(w.state()).toMatchObject({ status: 'done', subscribers: 7, started: 7, page: 3 });
    expect([...w.runs.values()].map((r) => r.recipient.id).sort()).toEqual(ids(7).sort());
    expect(new Set(w.started).size).toBe(7);
  });

  it('a second copy of the last page, finishing after the first, leaves the runs alone', async () => {
    const w = world(ids(3), 3);
    // Copy B has written its runs when copy A does the whole page and ends the trigger.
    w.onAfterCreates(() => {
      w.onAfterCreates(() => undefined);
      copyA = topicTriggerPage(w.deps, { v: 1, triggerId: 'wtr_1', page: 0 });
      return copyA;
    });
    let copyA: ReturnType<typeof topicTriggerPage> | undefined;
    const copyB = await topicTriggerPage(w.deps, { v: 1, triggerId: 'wtr_1', page: 0 });
    expect(await copyA).toMatchObject({ outcome: 'page', done: true });
    expect(copyB).toEqual({ outcome: 'lost-race' });
    expect(w.state()).toMatchObject({ status: 'done', started: 3 });
    expect([...w.runs.values()].every((r) => r.status === 'running')).toBe(true);
    expect(new Set(w.started).size).toBe(3);
  });

  it('a cancel landing while a page writes its runs: none of them starts, later pages do nothing', async () => {
    const w = world(ids(7), 3);
    let cancelling: ReturnType<typeof w.cancel> | undefined;
    w.onAfterCreates(() => {
      w.onAfterCreates(() => undefined);
      cancelling = w.cancel();
      return cancelling;
    });
    expect(await topicTriggerPage(w.deps, { v: 1, triggerId: 'wtr_1', page: 0 })).toEqual({
      outcome: 'cancelled',
    });
    expect((await cancelling)?.triggers).toEqual(['wtr_1']);
    expect(w.started).toEqual([]);
    expect([...w.runs.values()].every((r) => r.status === 'cancelled')).toBe(true);
    expect(await topicTriggerPage(w.deps, { v: 1, triggerId: 'wtr_1', page: 1 })).toEqual({
      outcome: 'cancelled',
    });
    expect(w.runs.size).toBe(3);
  });
});
