import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// Workflow runs on the local durable engine: escalation push -> wait for delivered -> SMS, with a
// template and recipient ids (rendering, preferences, address health and skips are the
// notification API's own), driven by the recorded delivery changes; replayed triggers, cancel
// mid-wait, pinned versions, trigger data checked against the template's schema.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

/** One template, push and SMS; its data schema requires orderId. */
const shippedTemplate = {
  defaultLocale: 'en',
  dataSchema: {
    type: 'object',
    required: ['orderId'],
    properties: { orderId: { type: 'string' } },
  },
  locales: {
    en: {
      push: { title: 'Shipped', body: 'Order {{ orderId }} shipped' },
      sms: { text: 'Order {{ orderId }} shipped, {{ recipient.name }}' },
    },
    fr: { sms: { text: 'Commande {{ orderId }} expédiée' } },
  },
};

const escalation = (timeout: string) => ({
  steps: [
    {
      id: 'push',
      type: 'send',
      template: { key: 'wf-shipped' },
      channels: ['push'],
      category: 'orders',
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
          template: { key: 'wf-shipped' },
          channels: ['sms'],
          category: 'orders',
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
  expect((await api.request('PUT', '/v1/templates/wf-shipped', shippedTemplate)).status).toBe(200);
  expect((await api.post('/v1/templates/wf-shipped/publish', {})).status).toBe(201);
  const category = { name: 'Orders', defaults: {} };
  expect((await api.request('PUT', '/v1/categories/orders', category)).status).toBe(201);
});
afterAll(() => stack?.stop());

describe('escalation on provider feedback', () => {
  it('sends no SMS when the push is delivered, and an SMS on UNREGISTERED, on timeout or on a skipped push', async () => {
    await publish('shipped', escalation('4s'));
    // cy exists beforehand and is named by id; the others are upserted inline by the trigger.
    const cy = { pushTokens: [{ token: 'fail-always-token-cy' }], phones: ['+14155550123'] };
    expect((await api.request('PUT', '/v1/recipients/cy', { name: 'Cy', ...cy })).status).toBe(201);
    const trigger = await api.post('/v1/workflows/shipped/trigger', {
      to: [
        { id: 'ada', pushTokens: [{ token: 'ok-token-ada' }], phones: ['+14155550121'] },
        {
          id: 'bob',
          name: 'Bob',
          pushTokens: [{ token: 'unregistered-token-bob' }],
          phones: ['+14155550122'],
        },
        'cy',
        // No push token: the push is a skipped delivery, an outcome the wait ends on at once.
        { id: 'dot', phones: ['+14155550125'], locale: 'fr' },
      ],
      data: { orderId: '42' },
    });
    expect(trigger.status).toBe(202);
    const runs = trigger.body.runs as { id: string; recipient: string }[];
    expect(runs.map((r) => r.recipient)).toEqual(['ada', 'bob', 'cy', 'dot']);
    const [ada, bob, cyRun, dot] = await Promise.all(runs.map((r) => ended(r.id)));

    expect(ada?.status).toBe('completed');
    expect(ada?.steps.find((s) => s.id === 'seen')?.decision).toBe('met');
    expect(pushTo('ok-token-ada')[0]?.content).toMatchObject({ body: 'Order 42 shipped' });
    expect(smsTo('+14155550121')).toHaveLength(0);

    // FCM answered UNREGISTERED: the wait ended on that recorded failure, not on its timeout.
    expect(bob?.steps.find((s) => s.id === 'seen')?.decision).toBe('notMet');
    const bobSms = await waitFor(() => smsTo('+14155550122')[0], 10_000, 'bob sms');
    // Rendered for the recipient: the profile's name from the template.
    expect(bobSms.content).toMatchObject({ text: 'Order 42 shipped, Bob' });

    // Push kept failing transiently: no outcome within 4 s, so the SMS went after the timeout.
    expect(cyRun?.steps.find((s) => s.id === 'seen')?.decision).toBe('timedOut');
    await waitFor(() => (smsTo('+14155550123').length > 0 ? true : undefined), 10_000, 'cy sms');
    expect(smsTo('+14155550123')).toHaveLength(1);

    // dot has no push token: the skipped push decided the wait (notMet), not the 4 s timeout;
    // the SMS is rendered in dot's own locale.
    expect(dot?.steps.find((s) => s.id === 'seen')?.decision).toBe('notMet');
    const dotSms = await waitFor(() => smsTo('+14155550125')[0], 10_000, 'dot sms');
    expect(dotSms.content).toMatchObject({ text: 'Commande 42 expédiée' });
  });

  it('with mode any, sends on the first listed channel the recipient can be reached on in the category', async () => {
    await publish('shipped-any', {
      steps: [
        {
          id: 'tell',
          type: 'send',
          template: { key: 'wf-shipped' },
          channels: ['push', 'sms'],
          mode: 'any',
          category: 'orders',
        },
      ],
    });
    const trigger = await api.post('/v1/workflows/shipped-any/trigger', {
      to: [
        // Push first in the list, but opted out of orders on push: SMS is the first reachable.
        {
          id: 'gus',
          name: 'Gus',
          pushTokens: [{ token: 'ok-token-gus' }],
          phones: ['+14155550126'],
          preferences: { categories: { orders: { push: false } } },
        },
      ],
      data: { orderId: '43' },
    });
    expect(trigger.status).toBe(202);
    const run = await ended((trigger.body.runs as { id: string }[])[0]?.id ?? '');
    expect(run).toMatchObject({ status: 'completed' });
    expect(run.steps.find((s) => s.id === 'tell')).toMatchObject({
      decision: 'sent',
      why: 'on sms',
    });
    await waitFor(() => smsTo('+14155550126')[0], 10_000, 'gus sms');
    expect(pushTo('ok-token-gus')).toHaveLength(0);
  });

  it("refuses a trigger whose data does not fit the template's schema: 422 at the path, nothing started", async () => {
    const before = (await api.get('/v1/workflow-runs?workflow=shipped&limit=100')).body
      .items as unknown[];
    const answer = await api.post('/v1/workflows/shipped/trigger', {
      to: [{ id: 'hal', phones: ['+14155550127'] }],
      data: { orderId: 42 },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      { path: 'data.orderId', message: expect.stringMatching(/^must be string .*wf-shipped/) },
    ]);
    const after = (await api.get('/v1/workflow-runs?workflow=shipped&limit=100')).body
      .items as unknown[];
    expect(after).toHaveLength(before.length);
    // The inline profile was not written either.
    expect((await api.get('/v1/recipients/hal')).status).toBe(404);
  });
});

describe("the recipient profile's timezone", () => {
  it('places quiet hours and delay until in the timezone of the profile', async () => {
    // Quiet hours around the current time in Tokyo (no DST): in UTC they would not hold now.
    const tokyoHour = (new Date().getUTCHours() + 9) % 24;
    const hh = (h: number) => `${String((h + 24) % 24).padStart(2, '0')}:00`;
    const quietHours = { start: hh(tokyoHour - 1), end: hh(tokyoHour + 2) };
    await publish('tz', {
      quietHours,
      steps: [{ id: 'tell', type: 'send', template: { key: 'wf-shipped' }, channels: ['sms'] }],
    });
    await publish('tz-delay', { steps: [{ id: 'nine', type: 'delay', until: '09:00' }] });
    const ian = { id: 'ian', name: 'Ian', timezone: 'Asia/Tokyo', phones: ['+14155550128'] };
    const quiet = await api.post('/v1/workflows/tz/trigger', { to: [ian], data: { orderId: '5' } });
    const delay = await api.post('/v1/workflows/tz-delay/trigger', { to: ['ian'] });
    const step = (trigger: typeof quiet, id: string) =>
      waitFor(
        async () => {
          const runId = (trigger.body.runs as { id: string }[])[0]?.id ?? '';
          const run = (await api.get(`/v1/workflow-runs/${runId}`)).body as unknown as Run;
          return run.steps.find((s) => s.id === id) as Run['steps'][number] & { until?: string };
        },
        10_000,
        `step ${id}`,
      );
    const deferred = await step(quiet, 'tell');
    expect(deferred).toMatchObject({
      decision: 'deferred',
      why: `quiet hours ${quietHours.start}-${quietHours.end}`,
    });
    // The end of quiet hours in Tokyo is a whole hour in UTC, minus 9 hours.
    expect(new Date(deferred.until ?? '').getUTCHours()).toBe((tokyoHour + 2 - 9 + 24) % 24);
    const nine = await step(delay, 'nine');
    expect(nine).toMatchObject({ decision: 'waiting', why: 'until 09:00 Asia/Tokyo' });
    expect(nine.until).toMatch(/T00:00:00\.000Z$/);
    for (const t of [quiet, delay]) {
      const runId = (t.body.runs as { id: string }[])[0]?.id ?? '';
      expect((await api.delete(`/v1/workflow-runs/${runId}`)).status).toBe(200);
    }
    expect(smsTo('+14155550128')).toHaveLength(0);
  });
});

describe("the recipient profile's quiet hours", () => {
  it('defer a send of a workflow that has none, in the profile timezone', async () => {
    const tokyoHour = (new Date().getUTCHours() + 9) % 24;
    const hh = (h: number) => `${String((h + 24) % 24).padStart(2, '0')}:00`;
    const quietHours = { start: hh(tokyoHour - 1), end: hh(tokyoHour + 2) };
    await api.request('PUT', '/v1/recipients/kim', {
      name: 'Kim',
      timezone: 'Asia/Tokyo',
      quietHours,
      phones: ['+14155550129'],
    });
    await publish('tz-profile', {
      steps: [{ id: 'tell', type: 'send', template: { key: 'wf-shipped' }, channels: ['sms'] }],
    });
    const trigger = await api.post('/v1/workflows/tz-profile/trigger', {
      to: ['kim'],
      data: { orderId: '6' },
    });
    const runId = (trigger.body.runs as { id: string }[])[0]?.id ?? '';
    const tell = await waitFor(
      async () => {
        const run = (await api.get(`/v1/workflow-runs/${runId}`)).body as unknown as Run;
        return run.steps.find((s) => s.id === 'tell') as Run['steps'][number] & { until?: string };
      },
      10_000,
      'step tell',
    );
    expect(tell).toMatchObject({
      decision: 'deferred',
      why: `quiet hours ${quietHours.start}-${quietHours.end}`,
    });
    expect(new Date(tell.until ?? '').getUTCHours()).toBe((tokyoHour + 2 - 9 + 24) % 24);
    expect((await api.delete(`/v1/workflow-runs/${runId}`)).status).toBe(200);
    expect(smsTo('+14155550129')).toHaveLength(0);
  });
});

describe('runs', () => {
  it('answers a replayed trigger with the same runs and sends once', async () => {
    await publish('once', escalation('2s'));
    const body = {
      to: [{ id: 'dee', pushTokens: [{ token: 'ok-token-dee' }] }],
      data: { orderId: '7' },
      idempotencyKey: 'order-7',
    };
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
      to: [
        { id: 'eve', pushTokens: [{ token: 'fail-always-token-eve' }], phones: ['+14155550124'] },
      ],
      data: { orderId: '9' },
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
    expect(cancel.body).toEqual({ cancelled: [id], triggers: [] });
    const run = await ended(id);
    expect(run.status).toBe('cancelled');
    expect(smsTo('+14155550124')).toHaveLength(0);
    expect((await api.delete(`/v1/workflow-runs/${id}`)).status).toBe(409);
  });

  it('runs a pinned version after a newer one is published', async () => {
    await publish('pinned', escalation('2s'));
    await publish('pinned', { steps: [{ id: 'only', type: 'delay', duration: '1s' }] });
    const trigger = await api.post('/v1/workflows/pinned/trigger', {
      to: [{ id: 'fay', pushTokens: [{ token: 'ok-token-fay' }] }],
      data: { orderId: '1' },
      version: 1,
    });
    const run = await ended((trigger.body.runs as { id: string }[])[0]?.id ?? '');
    expect(run.version).toBe(1);
    expect(run.steps.map((s) => s.id)).toContain('push');
  });

  it('refuses a trigger to 1,001 recipients, and an unpublished workflow', async () => {
    const to = Array.from({ length: 1001 }, (_, i) => `r${i}`);
    const answer = await api.post('/v1/workflows/shipped/trigger', { to });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'to', message: 'must have at most 1000 items' }]);
    await api.request('PUT', '/v1/workflows/draft-only', escalation('2s'));
    const unpublished = await api.post('/v1/workflows/draft-only/trigger', { to: ['x'] });
    expect(unpublished).toMatchObject({
      status: 409,
      body: { message: expect.stringMatching(/no published version/) },
    });
  });
});
