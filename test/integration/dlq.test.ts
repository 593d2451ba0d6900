import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { localQueueState } from '../../local/state-file';
import { apiClient, waitFor } from '../support/client';

// Dead letters on the local stack: the admin routes the console uses (tenant-scoped) and the
// operator CLI, `npm run dlq`, run as a separate process against the running stack.

const root = new URL('../..', import.meta.url).pathname;
let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let other: ReturnType<typeof apiClient>;
let sender: ReturnType<typeof apiClient>;
let stateFile: string;
let failingId: string;
let emailId: string;
let outageId: string;
const OUTAGE_NUMBER = '+14155550300';

/** `npm run dlq -- <args> --local`, as an operator would run it. */
async function dlqCli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    join(root, 'node_modules/.bin/tsx'),
    ['bin/dlq.ts', ...args, '--local', '--state', stateFile],
    { cwd: root, timeout: 60_000 },
  );
  return stdout;
}

async function faults(body: unknown) {
  const response = await fetch(`${stack.url}/_local/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

async function deliveryOf(id: string) {
  const { body } = await api.get(`/v1/notifications/${id}`);
  return (body.deliveries as Record<string, unknown>[])[0] ?? {};
}

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
  const keys = new ApiKeyStore(
    DynamoDBDocumentClient.from(new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient({})),
    stack.env.TABLE_NAME ?? '',
  );
  other = apiClient(
    stack,
    (await keys.create('other-tenant', { scopes: ['send', 'read', 'admin'] })).key,
  );
  sender = apiClient(stack, (await keys.create('local', { scopes: ['send', 'read'] })).key);
  const dir = await mkdtemp(join(tmpdir(), 'herald-dlq-'));
  stateFile = join(dir, 'local.json');
  await writeFile(
    stateFile,
    JSON.stringify({
      url: stack.url,
      region: stack.env.AWS_REGION,
      tableName: stack.env.TABLE_NAME,
      dynamodbEndpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      pid: process.pid,
      ...localQueueState(stack.env),
    }),
  );
  // A Slack channel that always fails transiently: after 5 receives its message is a dead letter.
  const accepted = await api.post('/v1/notifications', {
    channels: { slack: { channel: '#fail-always-dlq', text: 'to the DLQ' } },
  });
  failingId = String(accepted.body.id);
  const email = await api.post('/v1/notifications', {
    channels: { email: { to: ['fail-always@example.com'], subject: 's', text: 'to the DLQ' } },
  });
  emailId = String(email.body.id);
  // An SMS provider outage (as /_local/faults sets it): retried until its DLQ.
  await faults({ channel: 'sms', outage: true });
  const sms = await api.post('/v1/notifications', {
    channels: { sms: { to: [OUTAGE_NUMBER], text: 'after the outage' } },
  });
  outageId = String(sms.body.id);
  await waitFor(
    async () => {
      const dlq = await stack.dlq();
      return dlq.slack.length > 0 && dlq.email.length > 0 && dlq.sms.length > 0 ? true : undefined;
    },
    40_000,
    'the message to reach the Slack DLQ',
  );
}, 60_000);
afterAll(() => stack?.stop());

describe('GET /v1/dlq and POST /v1/dlq/replay', () => {
  it("lists the tenant's dead letters with their ids", async () => {
    const answer = await api.get('/v1/dlq?channel=slack');
    expect(answer.status).toBe(200);
    expect(answer.body.messages).toEqual([
      expect.objectContaining({
        messageId: expect.any(String),
        channel: 'slack',
        notificationId: failingId,
        deliveryId: 'slack#0',
        sentAt: expect.any(String),
        receiveCount: expect.any(Number),
      }),
    ]);
  });

  it("shows and replays nothing of another tenant's", async () => {
    expect((await other.get('/v1/dlq?channel=slack')).body).toEqual({ messages: [] });
    const replay = await other.post('/v1/dlq/replay', { channel: 'slack' });
    expect(replay).toMatchObject({ status: 200, body: { replayed: 0, skipped: 0 } });
    expect((await stack.dlq()).slack).toHaveLength(1);
    expect(await deliveryOf(failingId)).toMatchObject({ status: 'failed', failure: 'exhausted' });
  });

  it('replays its own: the delivery re-opens and its dead letter is gone', async () => {
    const answer = await api.post('/v1/dlq/replay', { channel: 'email' });
    expect(answer).toMatchObject({ status: 200, body: { replayed: 1, skipped: 0, kept: 0 } });
    expect((await stack.dlq()).email).toHaveLength(0);
    expect(await deliveryOf(emailId)).toMatchObject({ replays: 1 });
    expect((await api.get('/v1/dlq?channel=email')).body).toEqual({ messages: [] });
  });

  it('needs the admin scope and names bad fields', async () => {
    expect((await sender.get('/v1/dlq?channel=slack')).status).toBe(403);
    expect((await sender.post('/v1/dlq/replay', { channel: 'slack' })).status).toBe(403);
    const bad = await api.get('/v1/dlq?channel=fax');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'channel', message: expect.any(String) }]);
    const badBody = await api.post('/v1/dlq/replay', { channel: 'slack', limit: 0, extra: 1 });
    expect(badBody.status).toBe(400);
  });
});

describe('npm run dlq -- --local', () => {
  it('list shows the dead letter and its delivery, and changes nothing', async () => {
    const out = await dlqCli('list', '--channel', 'slack');
    expect(out).toContain(`${failingId}/slack#0`);
    expect(out).toContain('failed (exhausted)');
    expect((await stack.dlq()).slack).toHaveLength(1);
  });

  it('show prints one dead letter with its delivery and last error; an unknown id fails', async () => {
    const listed = await dlqCli('list', '--channel', 'slack');
    const messageId = listed.split('\n')[0]?.split(/\s+/)[0] ?? '';
    const shown = JSON.parse(await dlqCli('show', messageId)) as Record<string, unknown>;
    expect(shown).toMatchObject({
      messageId,
      source: 'slack',
      notificationId: failingId,
      deliveryId: 'slack#0',
      status: 'failed',
      failure: 'exhausted',
    });
    expect(String(shown.lastError)).not.toBe('');
    await expect(dlqCli('show', 'no-such-message')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no dead letter no-such-message'),
    });
    expect((await stack.dlq()).slack).toHaveLength(1);
  });

  it('replay --dry-run says what it would do and changes nothing', async () => {
    const out = await dlqCli('replay', '--dry-run', '--channel', 'slack');
    expect(out).toMatch(/would re-open \(failed, exhausted\)/);
    expect(out).toContain('dry run: would replay 1, skipped 0, kept 0');
    expect(await deliveryOf(failingId)).toMatchObject({ status: 'failed' });
    expect((await stack.dlq()).slack).toHaveLength(1);
  });

  it('replay re-opens the delivery with a fresh attempt budget; the DLQ is empty', async () => {
    const before = await deliveryOf(failingId);
    const out = await dlqCli('replay', '--channel', 'slack');
    expect(out).toContain('replayed 1, skipped 0, kept 0');
    expect((await stack.dlq()).slack).toHaveLength(0);
    // Still failing: tried again (more attempts), counted as a replay.
    const after = await waitFor(async () => {
      const d = await deliveryOf(failingId);
      return Number(d.attempts) > Number(before.attempts) ? d : undefined;
    });
    expect(after).toMatchObject({ replays: 1 });
  });
});

describe('an outage, then npm run dlq -- replay --local', () => {
  it('the outage sent the delivery to the DLQ, recorded failed with its retries exhausted', async () => {
    expect(await deliveryOf(outageId)).toMatchObject({ status: 'failed', failure: 'exhausted' });
    expect(stack.outbox.list({ recipient: OUTAGE_NUMBER })).toEqual([]);
  });

  it('with the outage lifted, a replay delivers it exactly once; a second replay changes nothing', async () => {
    await faults({ channel: 'sms', outage: false });
    const out = await dlqCli('replay', '--channel', 'sms');
    expect(out).toContain('replayed 1, skipped 0, kept 0');
    const delivered = await waitFor(async () => {
      const d = await deliveryOf(outageId);
      return d.status === 'delivered' ? d : undefined;
    }, 20_000);
    expect(delivered).toMatchObject({ replays: 1 });
    expect((await stack.dlq()).sms).toEqual([]);

    const again = await dlqCli('replay', '--channel', 'sms');
    expect(again).toContain('replayed 0, skipped 0');
    // Long enough for a stray second message to have been delivered.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(stack.outbox.list({ recipient: OUTAGE_NUMBER })).toHaveLength(1);
    expect(await deliveryOf(outageId)).toMatchObject({ status: 'delivered', replays: 1 });
  });
});
