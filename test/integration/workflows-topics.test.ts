import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptTopicTriggerDependencies } from '../../functions/core/workflows/topic-trigger';
import type { TopicTriggerPageDependencies } from '../../functions/core/workflows/topic-trigger-page';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// Triggers to a topic: a 202 at once, then the stack's workflow trigger function pages the
// subscribers (25 a page locally) and starts one run each. The redelivered and cancelled pages
// run in the test, with the stack's own adapters (as topics-fanout-recovery.test.ts does).

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let pageDeps: TopicTriggerPageDependencies;
let acceptDeps: AcceptTopicTriggerDependencies;

const hello = {
  defaultLocale: 'en',
  dataSchema: {
    type: 'object',
    required: ['orderId'],
    properties: { orderId: { type: 'string' } },
  },
  locales: {
    en: { email: { subject: 'Order {{ orderId }}', text: 'Order {{ orderId }} shipped' } },
  },
};
const sendHello = { id: 'hello', type: 'send', template: { key: 'wt-hello' }, channels: ['email'] };

type Trigger = { id: string; status: string; subscribers: number; started: number; done: boolean };
type Run = { id: string; status: string; triggerId?: string; recipient: { id: string } };

async function publish(key: string, definition: unknown) {
  expect((await api.request('PUT', `/v1/workflows/${key}`, definition)).status).toBe(200);
  return (await api.post(`/v1/workflows/${key}/publish`, {})).body.version as number;
}
async function topicOf(key: string, n: number) {
  expect((await api.request('PUT', `/v1/topics/${key}`, {})).status).toBeLessThan(300);
  const ids = Array.from({ length: n }, (_, i) => `${key}-${i}`);
  if (n === 0) return ids;
  const items = ids.map((id) => ({ id, emails: [`${id}@${key}.example`] }));
  expect((await api.post('/v1/recipients/batch', { items })).status).toBe(200);
  expect((await api.post(`/v1/topics/${key}/subscribers`, { ids })).status).toBe(200);
  return ids;
}
/**
 * For the pages a test runs itself: the reconciler (its timer every 5 s; stall after 5 s locally)
 * must not re-send them to the stack's function meanwhile, however slow the machine.
 */
const held = { stallAfterMs: 10 * 60_000 };
const trigger = async (id: string) =>
  (await api.get(`/v1/workflow-triggers/${id}`)).body as unknown as Trigger;
const finished = (id: string) =>
  waitFor(
    async () => {
      const t = await trigger(id);
      return t.status === 'running' ? undefined : t;
    },
    60_000,
    `trigger ${id} to finish`,
  );
async function runsOf(workflow: string, triggerId: string): Promise<Run[]> {
  const list = await api.get(`/v1/workflow-runs?workflow=${workflow}&limit=100`);
  return (list.body.items as Run[]).filter((r) => r.triggerId === triggerId);
}
/** Emails received per subscriber of the topic, once every subscriber has one. */
async function emailsPerSubscriber(topic: string, ids: string[]) {
  const count = () => {
    const per = new Map<string, number>();
    for (const m of stack.outbox.list())
      if (m.channel === 'email' && m.recipient.endsWith(`@${topic}.example`))
        per.set(m.recipient, (per.get(m.recipient) ?? 0) + 1);
    return per;
  };
  await waitFor(
    () => (count().size === ids.length ? true : undefined),
    60_000,
    `${topic} mail`,
  ).catch(async (error: unknown) => {
    // Names the subscribers without mail and what their runs did, to tell a lost run from a slow one.
    const missing = ids.filter((id) => !count().has(`${id}@${topic}.example`));
    const runs = (await api.get('/v1/workflow-runs?limit=100')).body.items as Run[];
    const theirs = runs.filter((r) => missing.includes(r.recipient.id));
    throw new Error(
      `${String(error)}; no mail for ${missing.join(', ')}; runs: ${JSON.stringify(theirs)}`,
    );
  });
  return ids.map((id) => count().get(`${id}@${topic}.example`) ?? 0);
}

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
  expect((await api.request('PUT', '/v1/templates/wt-hello', hello)).status).toBe(200);
  expect((await api.post('/v1/templates/wt-hello/publish', {})).status).toBe(201);
  await publish('wt-hello', { steps: [sendHello] });
  // After the start: the adapters read the stack's endpoints from the environment.
  const runtime = await import('../../functions/runtime/workflow-triggers');
  const settings = runtime.loadTopicTriggerSettings();
  pageDeps = runtime.createTopicTriggerPageDependencies(settings);
  acceptDeps = runtime.createAcceptTopicTriggerDependencies(settings);
});
afterAll(() => stack?.stop());

describe('triggers to a topic', () => {
  it('answers 202 with a trigger id and starts exactly one run per subscriber, page by page', async () => {
    const ids = await topicOf('wt-all', 60);
    const answer = await api.post('/v1/workflows/wt-hello/trigger', {
      to: { topic: 'wt-all' },
      data: { orderId: '7' },
    });
    expect(answer.status).toBe(202);
    expect(answer.body.runs).toEqual([]);
    const { id } = answer.body.trigger as Trigger;
    expect(id).toMatch(/^wtr_/);
    const done = await finished(id);
    expect(done).toMatchObject({ status: 'done', subscribers: 60, started: 60, done: true });
    const runs = await runsOf('wt-hello', id);
    expect(new Set(runs.map((r) => r.recipient.id))).toEqual(new Set(ids));
    expect(await emailsPerSubscriber('wt-all', ids)).toEqual(ids.map(() => 1));
  }, 120_000);

  it('a page that died after starting some runs, redelivered and then copied again, still makes one run each', async () => {
    const ids = await topicOf('wt-crash', 40);
    const version = (await api.get('/v1/workflows/wt-hello')).body.latestVersion as number;
    const { acceptTopicTrigger } = await import('../../functions/core/workflows/topic-trigger');
    const { topicTriggerPage } = await import('../../functions/core/workflows/topic-trigger-page');
    // Recorded, but its first page is kept from the stack's function: this test runs it.
    const accepted = await acceptTopicTrigger(
      { ...acceptDeps, ...held, queue: { send: async () => undefined } },
      {
        tenantId: 'local',
        key: 'wt-hello',
        version,
        topic: 'wt-crash',
        data: { orderId: '8' },
        now: Date.now(),
      },
    );
    const id = accepted.trigger.id;
    // The stage dies after starting 10 of the page's 25 runs.
    let starts = 0;
    const dying: TopicTriggerPageDependencies = {
      ...pageDeps,
      ...held,
      engine: {
        ...pageDeps.engine,
        start: async (runId, payload) => {
          if (++starts > 10) throw new Error('killed');
          await pageDeps.engine.start(runId, payload);
        },
      },
      concurrency: 1,
    };
    await expect(topicTriggerPage(dying, { v: 1, triggerId: id, page: 0 })).rejects.toThrow(
      'killed',
    );
    // SQS delivers the page again: its runs are found, not made twice; the next page is queued
    // on the stack's queue, whose function does the rest.
    const again = await topicTriggerPage(
      { ...pageDeps, ...held },
      { v: 1, triggerId: id, page: 0 },
    );
    expect(again).toMatchObject({ outcome: 'page', subscribers: 25, created: 0 });
    // And a late copy of the same page: recognised by the checkpoint.
    expect(await topicTriggerPage(pageDeps, { v: 1, triggerId: id, page: 0 })).toEqual({
      outcome: 'stale',
    });
    expect(await finished(id)).toMatchObject({ status: 'done', subscribers: 40, started: 40 });
    expect((await runsOf('wt-hello', id)).length).toBe(40);
    expect(await emailsPerSubscriber('wt-crash', ids)).toEqual(ids.map(() => 1));
  }, 120_000);

  it('cancel by cancellationKey mid-way: the started runs are cancelled and no later page starts a run', async () => {
    await topicOf('wt-cancel', 60);
    const version = await publish('wt-later', {
      steps: [{ id: 'wait', type: 'delay', duration: '1h' }, sendHello],
    });
    const { acceptTopicTrigger } = await import('../../functions/core/workflows/topic-trigger');
    const { topicTriggerPage } = await import('../../functions/core/workflows/topic-trigger-page');
    const accepted = await acceptTopicTrigger(
      { ...acceptDeps, ...held, queue: { send: async () => undefined } },
      {
        tenantId: 'local',
        key: 'wt-later',
        version,
        topic: 'wt-cancel',
        data: { orderId: '9' },
        cancellationKey: 'wt-ck',
        now: Date.now(),
      },
    );
    const id = accepted.trigger.id;
    const quiet = { ...pageDeps, ...held, queue: { send: async () => undefined } };
    expect(await topicTriggerPage(quiet, { v: 1, triggerId: id, page: 0 })).toMatchObject({
      outcome: 'page',
    });
    const cancel = await api.request('DELETE', '/v1/workflow-runs?cancellationKey=wt-ck');
    expect(cancel.status).toBe(200);
    expect(cancel.body.triggers).toEqual([id]);
    expect((cancel.body.cancelled as string[]).length).toBe(25);
    // The next page (its message was already out) starts nothing.
    expect(await topicTriggerPage(quiet, { v: 1, triggerId: id, page: 1 })).toEqual({
      outcome: 'cancelled',
    });
    expect(await trigger(id)).toMatchObject({ status: 'cancelled', started: 25, done: true });
    const runs = await runsOf('wt-later', id);
    expect(runs.length).toBe(25);
    expect(runs.every((r) => r.status === 'cancelled')).toBe(true);
  });

  it('a trigger whose first page message was lost is resumed by the reconciler: one run each', async () => {
    const ids = await topicOf('wt-lost', 30);
    const version = (await api.get('/v1/workflows/wt-hello')).body.latestVersion as number;
    const { acceptTopicTrigger } = await import('../../functions/core/workflows/topic-trigger');
    // Recorded, but the SQS send of its first page "failed": nothing would ever run it.
    const accepted = await acceptTopicTrigger(
      { ...acceptDeps, queue: { send: async () => undefined } },
      {
        tenantId: 'local',
        key: 'wt-hello',
        version,
        topic: 'wt-lost',
        data: { orderId: '10' },
        now: Date.now(),
      },
    );
    // Stalled after 5 s locally; the reconciler's timer (every 5 s) sends the page again.
    const done = await finished(accepted.trigger.id);
    expect(done).toMatchObject({ status: 'done', subscribers: 30, started: 30 });
    expect(await emailsPerSubscriber('wt-lost', ids)).toEqual(ids.map(() => 1));
  }, 120_000);

  it('a workflow with inline content reaches each subscriber through the profile', async () => {
    const ids = await topicOf('wt-inline', 3);
    await publish('wt-inline', {
      steps: [
        {
          id: 'note',
          type: 'send',
          channels: ['email'],
          content: { email: { subject: 'Note', text: 'Note {{data.n}}' } },
        },
      ],
    });
    const answer = await api.post('/v1/workflows/wt-inline/trigger', {
      to: { topic: 'wt-inline' },
      data: { n: '5' },
    });
    expect(answer.status).toBe(202);
    await finished((answer.body.trigger as Trigger).id);
    expect(await emailsPerSubscriber('wt-inline', ids)).toEqual([1, 1, 1]);
    const mail = stack.outbox.list().find((m) => m.recipient === 'wt-inline-0@wt-inline.example');
    expect(mail?.content).toMatchObject({ text: 'Note 5' });
  });

  it('an unknown topic is a 404, an empty one ends with no runs, bad data is a 422 and starts nothing', async () => {
    const unknown = await api.post('/v1/workflows/wt-hello/trigger', {
      to: { topic: 'wt-nope' },
      data: { orderId: '1' },
    });
    expect(unknown.status).toBe(404);
    await topicOf('wt-empty', 0);
    const empty = await api.post('/v1/workflows/wt-hello/trigger', {
      to: { topic: 'wt-empty' },
      data: { orderId: '1' },
    });
    expect(empty.status).toBe(202);
    const done = await finished((empty.body.trigger as Trigger).id);
    expect(done).toMatchObject({ status: 'done', subscribers: 0, started: 0 });
    const bad = await api.post('/v1/workflows/wt-hello/trigger', {
      to: { topic: 'wt-empty' },
      data: { orderId: 1 },
    });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('data.orderId');
    const badTopic = await api.post('/v1/workflows/wt-hello/trigger', { to: { topic: 'a b' } });
    expect(badTopic.status).toBe(400);
    expect(JSON.stringify(badTopic.body)).toContain('to.topic');
  });
});
