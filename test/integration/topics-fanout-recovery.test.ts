import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FanoutDependencies } from '../../functions/core/topics/fanout';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// A topic send's fan-out stage dying mid-page and the reconciler picking it up; the high lane
// going ahead of a running fan-out. The dying stage runs in the test, with the stack's own
// adapters; the rest is the local stack's fan-out function, reconciler and senders.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let deps: FanoutDependencies;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
  // After the start: the adapters read the stack's endpoints from the environment.
  const { loadApiConfig } = await import('../../functions/runtime/config');
  const { createFanoutDependencies, loadFanoutSettings } = await import(
    '../../functions/runtime/topic-fanout'
  );
  deps = createFanoutDependencies(loadApiConfig(), loadFanoutSettings());
});
afterAll(() => stack?.stop());

type Fanout = { status: string; total: number; enqueued: number; done: boolean };

async function topicOf(key: string, n: number) {
  await api.request('PUT', `/v1/topics/${key}`, {});
  const ids = Array.from({ length: n }, (_, i) => `${key}-${i}`);
  const items = ids.map((id) => ({ id, emails: [`${id}@${key}.example`] }));
  expect((await api.post('/v1/recipients/batch', { items })).status).toBe(200);
  expect((await api.post(`/v1/topics/${key}/subscribers`, { ids })).status).toBe(200);
}

const sentTo = (domain: string) =>
  stack.outbox.list().filter((m) => m.recipient.endsWith(`@${domain}`));

describe('fan-out recovery and priority', () => {
  it('a fan-out stage killed mid-page, twice, resumes from its checkpoint: every subscriber exactly once', async () => {
    await topicOf('crash', 250);
    const { acceptTopicSend } = await import('../../functions/core/topics/send');
    const { fanoutPage } = await import('../../functions/core/topics/fanout');
    // Recorded, but its first page is kept from the stack's fan-out function: this test runs it.
    const id = `crash-${Date.now()}`;
    await acceptTopicSend(
      { ...deps, fanoutQueue: { send: async () => undefined } },
      {
        topic: 'crash',
        request: {
          channels: {
            email: { channel: 'email', recipients: [], content: { subject: 'Crash', text: 'x' } },
          },
          priority: 'normal',
        },
      },
      { id, tenantId: 'local', now: Date.now() },
    );
    // Death 1: the page's deliveries are written and 40 of them enqueued, then the stage dies.
    const dying: FanoutDependencies = {
      ...deps,
      queue: {
        channels: deps.queue.channels,
        async enqueue(deliveries, priority) {
          await deps.queue.enqueue(deliveries.slice(0, 40), priority);
          throw new Error('killed');
        },
      },
    };
    await expect(fanoutPage(dying, { v: 1, notificationId: id, page: 0 })).rejects.toThrow(
      'killed',
    );
    // Death 2: the page is redone and checkpointed, then the stage dies before queueing the next.
    const cut: FanoutDependencies = {
      ...deps,
      fanoutQueue: {
        send: async () => {
          throw new Error('killed');
        },
      },
    };
    await expect(fanoutPage(cut, { v: 1, notificationId: id, page: 0 })).rejects.toThrow('killed');
    expect(((await api.get(`/v1/notifications/${id}`)).body.fanout as Fanout).total).toBe(100);

    // Nobody sends page 1: the reconciler finds the checkpoint stalled and the stack's fan-out
    // function carries on from it.
    const done = await waitFor(
      async () => {
        const body = (await api.get(`/v1/notifications/${id}`)).body;
        const fanout = body.fanout as Fanout;
        return fanout.done && sentTo('crash.example').length >= 250 ? fanout : undefined;
      },
      40_000,
      'the fan-out resumed and delivered',
    );
    expect(done).toMatchObject({ status: 'done', total: 250, enqueued: 250 });
    const sent = sentTo('crash.example').map((m) => m.recipient);
    expect(sent).toHaveLength(250);
    expect(new Set(sent).size).toBe(250);
  });

  it('the high lane goes ahead of a running fan-out', async () => {
    await topicOf('busy', 900);
    const topicSend = await api.post('/v1/notifications', {
      to: { topic: 'busy' },
      channels: { email: { subject: 'Busy', text: 'x' } },
    });
    const id = String(topicSend.body.id);
    await waitFor(async () => {
      const fanout = (await api.get(`/v1/notifications/${id}`)).body.fanout as Fanout;
      return fanout.enqueued >= 300 ? fanout : undefined;
    }, 30_000);
    const urgent = await api.post('/v1/notifications', {
      priority: 'high',
      channels: { email: { to: ['urgent@prio.example'], subject: 'Urgent', text: 'now' } },
    });
    expect(urgent.status).toBe(202);
    const before = await waitFor(() => {
      const at = stack.outbox.list().findIndex((m) => m.recipient === 'urgent@prio.example');
      return at >= 0
        ? stack.outbox
            .list()
            .slice(0, at)
            .filter((m) => m.recipient.endsWith('@busy.example')).length
        : undefined;
    }, 30_000);
    // It went out while the topic's deliveries were still going out.
    expect(before).toBeLessThan(900);
    await waitFor(() => (sentTo('busy.example').length >= 900 ? true : undefined), 60_000);
  });
});
