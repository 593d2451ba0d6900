import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor, waitForFinal } from '../support/client';

// Scheduling, cancel and release on the local stack. Sends due within the message-delay horizon
// wait in SQS; the stack's horizon is short here so later ones go through the Scheduler shim
// and the release function, the path that runs in AWS for anything beyond 15 minutes.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined, messageDelayHorizonSeconds: 2 });
  api = apiClient(stack);
});
afterAll(() => stack?.stop());

const unique = () => Math.random().toString(36).slice(2, 10);
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe('sendAt', () => {
  it('a notification scheduled 3 s ahead through the Scheduler is delivered after its time, not before', async () => {
    const channel = `#sched-${unique()}`;
    const sendAt = inSeconds(3);
    const accepted = await api.post('/v1/notifications', {
      channels: { slack: { channel, text: 'later' } },
      sendAt,
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'scheduled', deliveries: 1 });
    const pending = await api.get(`/v1/notifications/${accepted.body.id}`);
    expect(pending.body.status).toBe('scheduled');

    const entry = await waitFor(
      () => stack.outbox.list({ recipient: channel })[0],
      10_000,
      'delivery',
    );
    expect(Date.parse(entry.receivedAt)).toBeGreaterThanOrEqual(Date.parse(sendAt));
    const final = await waitForFinal(api, String(accepted.body.id));
    expect(final.status).toBe('delivered');
  });

  it('a send due within the message-delay horizon waits in SQS and is not delivered early', async () => {
    const channel = `#delay-${unique()}`;
    const sendAt = inSeconds(2);
    const accepted = await api.post('/v1/notifications', {
      channels: { slack: { channel, text: 'soon' } },
      sendAt,
    });
    expect(accepted.body.status).toBe('scheduled');
    const entry = await waitFor(
      () => stack.outbox.list({ recipient: channel })[0],
      10_000,
      'delivery',
    );
    expect(Date.parse(entry.receivedAt)).toBeGreaterThanOrEqual(Date.parse(sendAt));
  });

  it('rejects a sendAt in the past or too far ahead, naming the field', async () => {
    const past = await api.post('/v1/notifications', { ...slack('#x'), sendAt: inSeconds(-600) });
    expect(past.status).toBe(400);
    expect(past.body.errors).toEqual([expect.objectContaining({ path: 'sendAt' })]);
    const far = await api.post('/v1/notifications', {
      ...slack('#x'),
      sendAt: inSeconds(400 * 24 * 3600),
    });
    expect(far.status).toBe(400);
    expect(far.body.errors).toEqual([expect.objectContaining({ path: 'sendAt' })]);
    const compat = await api.post('/notification/dispatch', {
      type: 'slack',
      channel: '#x',
      message: 'm',
      sendAt: inSeconds(-600),
    });
    expect(compat.status).toBe(400);
  });
});

describe('DELETE /v1/notifications/{id}', () => {
  it('a notification cancelled before its release is never delivered and reads cancelled', async () => {
    const channel = `#cancel-${unique()}`;
    const accepted = await api.post('/v1/notifications', {
      ...slack(channel),
      sendAt: inSeconds(3),
    });
    const cancel = await api.delete(`/v1/notifications/${accepted.body.id}`);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ cancelled: 1 });
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(stack.outbox.list({ recipient: channel })).toHaveLength(0);
    const after = await api.get(`/v1/notifications/${accepted.body.id}`);
    expect(after.body.status).toBe('cancelled');
    expect(stack.schedules()).toHaveLength(0);
  });

  it('answers 409 once everything was delivered', async () => {
    const accepted = await api.post('/v1/notifications', slack(`#done-${unique()}`));
    await waitForFinal(api, String(accepted.body.id));
    expect((await api.delete(`/v1/notifications/${accepted.body.id}`)).status).toBe(409);
  });
});

describe('release', () => {
  it('a release that fires twice delivers once', async () => {
    const channel = `#twice-${unique()}`;
    const accepted = await api.post('/v1/notifications', {
      ...slack(channel),
      sendAt: inSeconds(60),
    });
    const id = String(accepted.body.id);
    // Fire the schedule's target twice, concurrently, as an at-least-once scheduler may.
    const results = await Promise.all([stack.release(id), stack.release(id)]);
    expect(results.map((r) => r.released).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    await waitForFinal(api, id);
    await stack.release(id);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(stack.outbox.list({ recipient: channel })).toHaveLength(1);
  });
});

function slack(channel: string) {
  return { channels: { slack: { channel, text: 'x' } } };
}
