import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// Digest and throttle on the local durable engine: 1,000 concurrent triggers for one recipient and
// window make exactly one message carrying all 1,000; a throttle lets N runs per window through.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

async function publish(key: string, definition: unknown) {
  expect((await api.request('PUT', `/v1/workflows/${key}`, definition)).status).toBe(200);
  expect((await api.post(`/v1/workflows/${key}/publish`, {})).status).toBe(201);
}
const slackTo = (channel: string) =>
  stack.outbox.list().filter((m) => m.channel === 'slack' && m.recipient === channel);

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
});
afterAll(() => stack?.stop());

describe('digest', () => {
  it('turns 1,000 concurrent triggers for one recipient and window into exactly one message', async () => {
    await publish('comments', {
      steps: [
        { id: 'collect', type: 'digest', window: '45s', mode: 'sliding' },
        {
          id: 'tell',
          type: 'send',
          channels: ['slack'],
          content: { slack: { text: '{{digest.count}} new comments' } },
        },
      ],
    });
    const runIds: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          api.post('/v1/workflows/comments/trigger', {
            to: [{ id: 'post-1', slack: '#post-1' }],
            data: { comment: batch * 50 + i },
          }),
        ),
      );
      for (const a of answers) runIds.push(...(a.body.runs as { id: string }[]).map((r) => r.id));
    }
    expect(new Set(runIds).size).toBe(1000);
    const sent = await waitFor(
      () => (slackTo('#post-1').length > 0 ? slackTo('#post-1') : undefined),
      60_000,
      'the digest',
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]?.content.text).toBe('1000 new comments');
    // Every other run says it was folded into the one that sent.
    const runs = await api.get('/v1/workflow-runs?workflow=comments&limit=100');
    const statuses = new Set((runs.body.items as { status: string }[]).map((r) => r.status));
    expect([...statuses].every((s) => s === 'folded' || s === 'completed' || s === 'running')).toBe(
      true,
    );
  }, 120_000);
});

describe('digest events and the template schema', () => {
  it("checks each trigger's data as the digest event it becomes: 422 at the field, nothing folded", async () => {
    // Only the events are described: a trigger's data is held to the items' schema.
    const template = {
      defaultLocale: 'en',
      dataSchema: {
        type: 'object',
        properties: {
          digest: {
            type: 'object',
            properties: {
              events: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['comment'],
                  properties: { comment: { type: 'string', minLength: 1 } },
                },
              },
            },
          },
        },
      },
      locales: {
        en: {
          email: {
            subject: 'Comments',
            text: '{{ digest.count }}:{% for e in digest.events %} {{ e.comment }}{% endfor %}',
          },
        },
      },
    };
    expect((await api.request('PUT', '/v1/templates/wd-comments', template)).status).toBe(200);
    expect((await api.post('/v1/templates/wd-comments/publish', {})).status).toBe(201);
    await publish('wd-digest', {
      steps: [
        { id: 'collect', type: 'digest', window: '3s', mode: 'sliding' },
        { id: 'tell', type: 'send', template: { key: 'wd-comments' }, channels: ['email'] },
      ],
    });
    const wd = { emails: ['wd-1@wd.example'] };
    expect((await api.request('PUT', '/v1/recipients/wd-1', wd)).status).toBe(201);
    const trigger = (data: unknown) =>
      api.post('/v1/workflows/wd-digest/trigger', { to: ['wd-1'], data });
    const missing = await trigger({});
    expect(missing.status).toBe(422);
    expect((missing.body.errors as { path: string }[]).map((e) => e.path)).toEqual([
      'data.comment',
    ]);
    const empty = await trigger({ comment: '' });
    expect(empty.status).toBe(422);
    expect((empty.body.errors as { path: string }[]).map((e) => e.path)).toEqual(['data.comment']);
    expect((await trigger({ comment: 'first' })).status).toBe(202);
    expect((await trigger({ comment: 'second' })).status).toBe(202);
    const mail = await waitFor(
      () => stack.outbox.list().find((m) => m.recipient === 'wd-1@wd.example'),
      20_000,
      'the digest mail',
    );
    // The two accepted triggers only: the refused ones were never collected.
    expect(String(mail.content.text)).toMatch(/^2: (first second|second first)$/);
    const runs = await api.get('/v1/workflow-runs?workflow=wd-digest&limit=100');
    expect(runs.body.items as unknown[]).toHaveLength(2);
  });
});

describe('throttle', () => {
  it('lets two runs per window through and ends the rest throttled', async () => {
    await publish('alerts', {
      steps: [
        { id: 'limit', type: 'throttle', limit: 2, window: '1h' },
        {
          id: 'page',
          type: 'send',
          channels: ['slack'],
          content: { slack: { text: 'disk full on {{data.host}}' } },
        },
      ],
    });
    const answers = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        api.post('/v1/workflows/alerts/trigger', {
          to: [{ id: 'oncall', slack: '#oncall' }],
          data: { host: `h${n}` },
        }),
      ),
    );
    const ids = answers.flatMap((a) => (a.body.runs as { id: string }[]).map((r) => r.id));
    const ended = await Promise.all(
      ids.map((id) =>
        waitFor(
          async () => {
            const run = (await api.get(`/v1/workflow-runs/${id}`)).body as { status: string };
            return run.status === 'running' ? undefined : run.status;
          },
          20_000,
          `run ${id}`,
        ),
      ),
    );
    expect(ended.filter((s) => s === 'completed')).toHaveLength(2);
    expect(ended.filter((s) => s === 'throttled')).toHaveLength(2);
    await waitFor(() => (slackTo('#oncall').length === 2 ? true : undefined), 10_000, 'two pages');
    expect(slackTo('#oncall').map((m) => m.content.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^disk full on h\d$/)]),
    );
  });
});
