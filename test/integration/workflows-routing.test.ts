import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// POST /v1/notifications with routing {method: "first"}: the same workflow engine tries the
// channels in order, moving on when provider feedback says the last one failed.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
});
afterAll(() => stack?.stop());

it('sends push first and, when FCM says UNREGISTERED, the SMS; never the email after a delivered SMS', async () => {
  const answer = await api.post('/v1/notifications', {
    channels: {
      push: { tokens: ['unregistered-token-gil'], title: 'Code', body: 'Your code is 4711' },
      sms: { to: ['+14155550131'], text: 'Your code is 4711' },
      email: { to: ['gil@example.com'], subject: 'Code', text: 'Your code is 4711' },
    },
    routing: { method: 'first', channels: ['push', 'sms', 'email'], timeout: '30s' },
  });
  expect(answer).toMatchObject({
    status: 202,
    body: { status: 'accepted', routing: { channels: ['push', 'sms', 'email'] } },
  });
  const runId = answer.body.id as string;
  const run = await waitFor(
    async () => {
      const r = (await api.get(`/v1/workflow-runs/${runId}`)).body as {
        status: string;
        steps: { id: string; decision: string }[];
      };
      return r.status === 'running' ? undefined : r;
    },
    30_000,
    'the routed run',
  );
  expect(run.status).toBe('completed');
  expect(run.steps.find((s) => s.id === 'wait-push')?.decision).toBe('notMet');
  expect(run.steps.find((s) => s.id === 'wait-sms')?.decision).toBe('met');
  const sent = stack.outbox.list();
  expect(sent.filter((m) => m.recipient === '+14155550131')).toHaveLength(1);
  expect(sent.filter((m) => m.recipient === 'gil@example.com')).toHaveLength(0);
});

it('refuses routing over a channel with two recipients, or one not in the request, with paths', async () => {
  const answer = await api.post('/v1/notifications', {
    channels: { sms: { to: ['+14155550132', '+14155550133'], text: 'x' } },
    routing: { method: 'first', channels: ['sms', 'push'], timeout: '1m' },
  });
  expect(answer.status).toBe(400);
  expect((answer.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual([
    'channels.sms.to',
    'routing.channels[1]',
  ]);
});
