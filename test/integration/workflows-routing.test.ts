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

// The shorthand to recipient ids: a template rendered per recipient, or content only; the
// addresses, preferences and skips are the profiles' (the notification API's recipient path).

const codeTemplate = {
  defaultLocale: 'en',
  dataSchema: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } },
  locales: {
    en: {
      push: { title: 'Code', body: 'Your code is {{ code }}' },
      sms: { text: 'Your code is {{ code }}, {{ recipient.name }}' },
    },
  },
};
type RoutedRun = { id: string; status: string; steps: { id: string; decision: string }[] };
const routedRunEnded = (id: string) =>
  waitFor(
    async () => {
      const r = (await api.get(`/v1/workflow-runs/${id}`)).body as unknown as RoutedRun;
      return r.status === 'running' ? undefined : r;
    },
    30_000,
    `routed run ${id}`,
  );
const smsTo = (phone: string) => stack.outbox.list().filter((m) => m.recipient === phone);

it('routes a template to recipient ids: each profile tried push first, SMS after an UNREGISTERED push', async () => {
  expect((await api.request('PUT', '/v1/templates/wr-code', codeTemplate)).status).toBe(200);
  expect((await api.post('/v1/templates/wr-code/publish', {})).status).toBe(201);
  const rhi = {
    name: 'Rhi',
    pushTokens: [{ token: 'unregistered-token-rhi' }],
    phones: ['+14155550141'],
  };
  expect((await api.request('PUT', '/v1/recipients/rhi', rhi)).status).toBe(201);
  const answer = await api.post('/v1/notifications', {
    to: [
      'rhi',
      { id: 'sam', name: 'Sam', pushTokens: [{ token: 'ok-token-sam' }], phones: ['+14155550142'] },
    ],
    template: { key: 'wr-code' },
    data: { code: '4711' },
    routing: { method: 'first', channels: ['push', 'sms'], timeout: '30s' },
  });
  expect(answer).toMatchObject({
    status: 202,
    body: { status: 'accepted', routing: { channels: ['push', 'sms'] } },
  });
  const runs = answer.body.runs as { id: string; recipient: string }[];
  expect(runs.map((r) => r.recipient)).toEqual(['rhi', 'sam']);
  const [rhiRun, samRun] = await Promise.all(runs.map((r) => routedRunEnded(r.id)));
  expect(rhiRun?.steps.find((s) => s.id === 'wait-push')?.decision).toBe('notMet');
  const sms = await waitFor(() => smsTo('+14155550141')[0], 10_000, 'rhi sms');
  // Rendered for the recipient: the template with the profile's name.
  expect(sms.content).toMatchObject({ text: 'Your code is 4711, Rhi' });
  expect(samRun?.steps.find((s) => s.id === 'wait-push')?.decision).toBe('met');
  expect(smsTo('+14155550142')).toHaveLength(0);
});

it('routes content only to a recipient id: a profile without a push token gets the SMS at once', async () => {
  const tia = { name: 'Tia', phones: ['+14155550143'] };
  expect((await api.request('PUT', '/v1/recipients/tia', tia)).status).toBe(201);
  const answer = await api.post('/v1/notifications', {
    to: ['tia'],
    channels: {
      push: { title: 'Code', body: 'Code {{data.code}}' },
      sms: { text: 'Code {{data.code}}' },
    },
    data: { code: '99' },
    routing: { method: 'first', channels: ['push', 'sms'], timeout: '1h' },
  });
  expect(answer.status).toBe(202);
  const [run] = answer.body.runs as { id: string }[];
  const ended = await routedRunEnded(run?.id ?? '');
  // The push was a skipped delivery (no token): the wait ended on it, not on the hour's timeout.
  expect(ended.steps.find((s) => s.id === 'wait-push')?.decision).toBe('notMet');
  const sms = await waitFor(() => smsTo('+14155550143')[0], 10_000, 'tia sms');
  expect(sms.content).toMatchObject({ text: 'Code 99' });
});

it('refuses a routed send to ids with bad data, an unknown template, channels beside a template, an address in a block', async () => {
  const routing = { method: 'first', channels: ['push', 'sms'], timeout: '1m' };
  const post = (body: Record<string, unknown>) =>
    api.post('/v1/notifications', { to: ['tia'], routing, ...body });
  const badData = await post({ template: { key: 'wr-code' }, data: { code: 1 } });
  expect(badData.status).toBe(422);
  expect(JSON.stringify(badData.body)).toContain('data.code');
  const unknown = await post({ template: { key: 'wr-nope' } });
  expect(unknown.status).toBe(422);
  expect(JSON.stringify(unknown.body)).toContain('template.key');
  const both = await post({ template: { key: 'wr-code' }, data: { code: '1' }, channels: {} });
  expect(both.status).toBe(400);
  expect(both.body.errors).toEqual([
    { path: 'channels', message: 'comes from routing.channels with a template' },
  ]);
  const address = await post({
    channels: { push: { title: 'x', body: 'y' }, sms: { to: ['+14155550144'], text: 'z' } },
  });
  expect(address.status).toBe(400);
  expect(JSON.stringify(address.body)).toContain('channels.sms.to');
  const before = (await api.get('/v1/workflow-runs?recipient=tia&limit=100')).body
    .items as unknown[];
  expect(before).toHaveLength(1);
});
