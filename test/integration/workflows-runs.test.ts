import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// Workflow runs on the local durable engine: escalation push -> wait for delivered -> SMS,
// driven by the recorded delivery changes; replayed triggers, cancel mid-wait, pinned versions.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

const escalation = (timeout: string) => ({
  steps: [
    {
      id: 'push',
      type: 'send',
      channels: ['push'],
      content: { push: { title: 'Shipped', body: 'Order 42 shipped' } },
    },
    { id: 'seen', type: 'waitFor', step: 'push', status: 'delivered', timeout },
    {
      id: 'escalate',
      type: 'branch',
      if: { step: 'seen', outcome: 'met' },
      whenTrue: [],
      whenFalse: [
        {
          id: 'sms',
          type: 'send',
          channels: ['sms'],
          content: { sms: { text: 'Order 42 shipped' } },
        },
      ],
    },
  ],
});

type Run = {
  id: string;
  status: string;
  version: number;
  steps: { id: string; decision: string; why?: string }[];
};

async function publish(key: string, definition: unknown) {
  expect((await api.request('PUT', `/v1/workflows/${key}`, definition)).status).toBe(200);
  return (await api.post(`/v1/workflows/${key}/publish`, {})).body.version as number;
}
async function ended(id: string): Promise<Run> {
  return waitFor(
    async () => {
      const run = (await api.get(`/v1/workflow-runs/${id}`)).body as unknown as Run;
      return run.status === 'running' ? undefined : run;
    },
    30_000,
    `run ${id} to end`,
  );
}
const smsTo = (phone: string) =>
  stack.outbox.list().filter((m) => m.channel === 'sms' && m.recipient === phone);
const pushTo = (token: string) =>
  stack.outbox.list().filter((m) => m.channel === 'push' && m.recipient === token);

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
});
afterAll(() => stack?.stop());

describe('escalation on provider feedback', () => {
  it('sends no SMS when the push is delivered, and an SMS on UNREGISTERED or on timeout', async () => {
    await publish('shipped', escalation('4s'));
    const trigger = await api.post('/v1/workflows/shipped/trigger', {
      to: [
        { id: 'ada', push: 'ok-token-ada', sms: '+14155550121' },
        { id: 'bob', push: 'unregistered-token-bob', sms: '+14155550122' },
        { id: 'cy', push: 'fail-always-token-cy', sms: '+14155550123' },
      ],
      data: { orderId: '42' },
    });
    expect(trigger.status).toBe(202);
    const runs = trigger.body.runs as { id: string; recipient: string }[];
    const [ada, bob, cy] = await Promise.all(runs.map((r) => ended(r.id)));

    expect(ada?.status).toBe('completed');
    expect(ada?.steps.find((s) => s.id === 'seen')?.decision).toBe('met');
    expect(smsTo('+14155550121')).toHaveLength(0);

    // FCM answered UNREGISTERED: the wait ended on that recorded failure, not on its timeout.
    expect(bob?.steps.find((s) => s.id === 'seen')?.decision).toBe('notMet');
    await waitFor(() => (smsTo('+14155550122').length > 0 ? true : undefined), 10_000, 'bob sms');

    // Push kept failing transiently: no outcome within 4 s, so the SMS went after the timeout.
    expect(cy?.steps.find((s) => s.id === 'seen')?.decision).toBe('timedOut');
    await waitFor(() => (smsTo('+14155550123').length > 0 ? true : undefined), 10_000, 'cy sms');
    expect(smsTo('+14155550123')).toHaveLength(1);
  });
});

describe('runs', () => {
  it('answers a replayed trigger with the same runs and sends once', async () => {
    await publish('once', escalation('2s'));
    const body = { to: [{ id: 'dee', push: 'ok-token-dee' }], idempotencyKey: 'order-7' };
    const first = await api.post('/v1/workflows/once/trigger', body);
    const second = await api.post('/v1/workflows/once/trigger', body);
    const id = (first.body.runs as { id: string }[])[0]?.id ?? '';
    expect((second.body.runs as { id: string; replayed?: boolean }[])[0]).toEqual({
      id,
      recipient: 'dee',
      replayed: true,
    });
    await ended(id);
    expect(pushTo('ok-token-dee')).toHaveLength(1);
  });

  it('cancels a run waiting for a delivery: it ends cancelled and sends nothing more', async () => {
    await publish('cancel-me', escalation('60s'));
    const trigger = await api.post('/v1/workflows/cancel-me/trigger', {
      to: [{ id: 'eve', push: 'fail-always-token-eve', sms: '+14155550124' }],
      cancellationKey: 'order-9',
    });
    const id = (trigger.body.runs as { id: string }[])[0]?.id ?? '';
    await waitFor(
      async () => {
        const run = (await api.get(`/v1/workflow-runs/${id}`)).body as unknown as Run;
        return run.steps.some((s) => s.id === 'push') ? true : undefined;
      },
      10_000,
      'the push step',
    );
    const cancel = await api.request('DELETE', '/v1/workflow-runs?cancellationKey=order-9');
    expect(cancel.body).toEqual({ cancelled: [id] });
    const run = await ended(id);
    expect(run.status).toBe('cancelled');
    expect(smsTo('+14155550124')).toHaveLength(0);
    expect((await api.delete(`/v1/workflow-runs/${id}`)).status).toBe(409);
  });

  it('runs a pinned version after a newer one is published', async () => {
    await publish('pinned', escalation('2s'));
    await publish('pinned', { steps: [{ id: 'only', type: 'delay', duration: '1s' }] });
    const trigger = await api.post('/v1/workflows/pinned/trigger', {
      to: [{ id: 'fay', push: 'ok-token-fay' }],
      version: 1,
    });
    const run = await ended((trigger.body.runs as { id: string }[])[0]?.id ?? '');
    expect(run.version).toBe(1);
    expect(run.steps.map((s) => s.id)).toContain('push');
  });

  it('refuses a trigger to 1,001 recipients, and an unpublished workflow', async () => {
    const to = Array.from({ length: 1001 }, (_, i) => ({ id: `r${i}`, sms: '+14155550100' }));
    const answer = await api.post('/v1/workflows/shipped/trigger', { to });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'to', message: 'must have at most 1000 items' }]);
    await api.request('PUT', '/v1/workflows/draft-only', escalation('2s'));
    const unpublished = await api.post('/v1/workflows/draft-only/trigger', { to: [{ id: 'x' }] });
    expect(unpublished).toMatchObject({
      status: 409,
      body: { message: expect.stringMatching(/no published version/) },
    });
  });
});
