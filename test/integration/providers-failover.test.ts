import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { senderFor } from '../../functions/core/providers/senders';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitForFinal } from '../support/client';

type Client = ReturnType<typeof apiClient>;
type Attempt = { attempt: number; outcome: string; sender?: string; error?: string };
type Delivery = { recipient: string; status: string; attempts: number; attemptHistory: Attempt[] };

const account = () => ({
  accountSid: `AC${randomBytes(16).toString('hex')}`,
  authToken: randomBytes(16).toString('hex'),
});

describe('failover › two Twilio accounts of one tenant, a breaker per sender', () => {
  let stack: LocalStack;
  let api: Client;
  const main = { ...account(), senders: ['+14155560001'.replace('0001', '0101')] };
  const backup = { ...account(), senders: ['+14155560202'], priority: 2 };

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
    const keys = new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    );
    api = apiClient(
      stack,
      (await keys.create('t-failover', { scopes: ['send', 'read', 'admin'] })).key,
    );
    expect((await api.request('PUT', '/v1/providers/sms/main', main)).status).toBe(201);
    expect((await api.request('PUT', '/v1/providers/sms/backup', backup)).status).toBe(201);
  });

  afterEach(async () => {
    await fetch(`${stack.url}/_local/faults`, { method: 'DELETE' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function send(to: string[]) {
    const { status, body } = await api.post('/v1/notifications', {
      channels: { sms: { to, text: 'hi' } },
    });
    expect(status).toBe(202);
    const done = await waitForFinal(api, body.id as string, 30_000);
    return done.deliveries as unknown as Delivery[];
  }

  it('moves deliveries to the next account’s sender while one sender is down, sending each once', async () => {
    const outage = await fetch(`${stack.url}/_local/faults`, {
      method: 'POST',
      body: JSON.stringify({ channel: 'sms', sender: main.senders[0], outage: true }),
    });
    expect(await outage.json()).toEqual({ sms: { senderOutages: [main.senders[0]] } });
    const to = Array.from({ length: 8 }, (_, i) => `+1415556${String(7100 + i)}`);
    const deliveries = await send(to);
    expect(deliveries.filter((d) => !['sent', 'delivered'].includes(d.status))).toEqual([]);
    // Every number got exactly one message, all from the backup account's sender.
    for (const recipient of to) {
      const got = stack.outbox.list({ channel: 'sms', recipient });
      expect(got, recipient).toHaveLength(1);
      expect(got[0]).toMatchObject({
        account: backup.accountSid,
        content: { from: backup.senders[0] },
      });
    }
    // The attempt history names each attempt's sender: failed ones on main, the sent one on backup.
    const history = deliveries.flatMap((d) => d.attemptHistory);
    expect(
      history
        .filter((a) => a.outcome === 'retry')
        .every((a) => a.sender?.includes(`/main:sms:${main.senders[0]}`)),
    ).toBe(true);
    expect(
      history.filter((a) => a.outcome === 'sent' || a.outcome === 'delivered').map((a) => a.sender),
    ).toEqual(to.map(() => `t-failover/backup:sms:${backup.senders[0]}`));
    // The breaker is open now: the next deliveries go to the backup at their first attempt.
    const later = await send(['+14155563900', '+14155563901', '+14155563902']);
    expect(later.map((d) => d.attempts)).toEqual([1, 1, 1]);
    expect(later.map((d) => d.attemptHistory[0]?.sender)).toEqual(
      later.map(() => `t-failover/backup:sms:${backup.senders[0]}`),
    );
  });

  it('does not fail over on a content error: the number is refused once, on its own sender', async () => {
    // Another tenant with the same two accounts' shapes: its own senders, breakers all closed.
    const keys = new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    );
    api = apiClient(
      stack,
      (await keys.create('t-content', { scopes: ['send', 'read', 'admin'] })).key,
    );
    await api.request('PUT', '/v1/providers/sms/main', main);
    await api.request('PUT', '/v1/providers/sms/backup', backup);
    const [bad] = await send(['+14155560001']); // ...0001: the fake's invalid number (21211)
    expect(bad).toMatchObject({ status: 'failed', attempts: 1 });
    expect(bad?.attemptHistory).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        sender: `t-content/main:sms:${main.senders[0]}`,
      }),
    ]);
    // And the sender stays in use: the next delivery still goes from it.
    const [good] = await send(['+14155563100']);
    expect(good?.attemptHistory.at(-1)?.sender).toBe(`t-content/main:sms:${main.senders[0]}`);
    expect(senderFor({ owner: 'x', kind: 'long-code', ids: main.senders }, 'sms', '+1').id).toBe(
      main.senders[0],
    );
  });
});
