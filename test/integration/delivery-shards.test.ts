import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationStore } from '../../functions/adapters/dynamodb/notification-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor, waitForFinal } from '../support/client';
import { startReceiver } from '../support/webhook-receiver';

// A notification's delivery items are spread over partitions (NOTIF#<id>, NOTIF#<id>#<s>) so no
// key takes more than 1,000 writes a second: a request past 250 recipients a channel and every
// topic send. Everything that finds deliveries (GET, the claim and outcomes, provider feedback,
// the completion event, the reconciler, replays) must find them in every shard.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let db: DynamoDBDocumentClient;
let store: NotificationStore;

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startLocalStack({
    port: 0,
    log: () => undefined,
    // The reconciler runs when the test says (a timer would requeue the big sends' waiting
    // deliveries every 2 s on a loaded machine); a delivery counts as stuck after 2 s.
    reconcileIntervalMs: 0,
    reconcileAfterSeconds: 2,
  });
  api = apiClient(stack);
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: stack.env.AWS_REGION,
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  store = new NotificationStore(db, String(stack.env.TABLE_NAME));
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

/** Delivery items per partition key of notification `id` (shards 0..max-1). */
async function itemsPerPartition(id: string, max: number): Promise<number[]> {
  const counts: number[] = [];
  for (let shard = 0; shard < max; shard++) {
    const answer = await db.send(
      new QueryCommand({
        TableName: String(stack.env.TABLE_NAME),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
        ExpressionAttributeValues: {
          ':pk': shard === 0 ? `NOTIF#${id}` : `NOTIF#${id}#${shard}`,
          ':d': 'DELIVERY#',
        },
        Select: 'COUNT',
        ConsistentRead: true,
      }),
    );
    counts.push(answer.Count ?? 0);
  }
  return counts;
}

const completions = (path: string, id: string) =>
  receiver.received
    .filter((r) => r.path === path)
    .map(
      (r) =>
        JSON.parse(r.body) as {
          id: string;
          type: string;
          notificationId?: string;
          deliveries?: number;
        },
    )
    .filter((e) => e.type === 'notification.completed' && e.notificationId === id);

function expectOneCompletion(events: { id: string; deliveries?: number }[], deliveries: number) {
  expect(events.length).toBeGreaterThan(0);
  expect(new Set(events.map((e) => e.id)).size).toBe(1);
  expect(new Set(events.map((e) => e.deliveries))).toEqual(new Set([deliveries]));
}

type Delivery = { id: string; status: string; recipient: string; attempts: number };

describe('delivery items spread over partitions', () => {
  it('a request of 520 recipients: 250 a partition, each sent once, completion counts all, a replay in shard 2 watched by the reconciler', async () => {
    await api.post('/v1/webhooks', {
      url: `${receiver.url}/shards`,
      events: ['notification.completed'],
    });
    const to = Array.from({ length: 520 }, (_, i) =>
      i === 510 ? 'fail-permanent-510@shards.example' : `s-${i}@shards.example`,
    );
    const sent = await api.post('/v1/notifications', {
      channels: { email: { to, subject: 'Shards', text: 'hello' } },
    });
    expect(sent.status).toBe(202);
    const id = String(sent.body.id);
    const final = await waitForFinal(api, id, 60_000);
    expect(final.status).toBe('partially_failed');
    const deliveries = final.deliveries as unknown as Delivery[];
    expect(deliveries).toHaveLength(520);
    expect(deliveries.filter((d) => d.status === 'failed').map((d) => d.id)).toEqual([
      'email#2.510',
    ]);
    expect(await itemsPerPartition(id, 4)).toEqual([250, 250, 20, 0]);
    // Each recipient reached the provider once (the failing one: one permanent attempt).
    const outbox = stack.outbox.list().filter((m) => m.recipient.endsWith('@shards.example'));
    expect(outbox).toHaveLength(519);
    expect(new Set(outbox.map((m) => m.recipient)).size).toBe(519);
    // SES feedback found its deliveries in every shard.
    await waitFor(
      async () => {
        const { body } = await api.get(`/v1/notifications/${id}`);
        const counts = body.counts as Record<string, number>;
        return counts.delivered === 519 ? true : undefined;
      },
      30_000,
      'feedback in every shard',
    );
    await waitFor(() => (completions('/shards', id).length > 0 ? true : undefined), 30_000);
    // The completion counts the deliveries of every shard. The shards' stream batches run side by
    // side (one events function each, locally 4) and each may find every delivery final: the
    // same event (one id) may come more than once, as the events contract allows.
    expectOneCompletion(completions('/shards', id), 520);

    // A replay re-opens the failed delivery (what POST /v1/dlq/replay does) and its message is
    // lost: the reconciler finds the delivery item's own index entry in shard 2 and sends it.
    expect(await store.reopen(id, 'email#2.510', Date.now())).toBe(true);
    const replayed = await waitFor(
      async () => {
        await stack.reconcile();
        const found = await store.get(id, { consistent: true });
        const d = found?.deliveries.find((x) => x.deliveryId === 'email#2.510');
        return d && d.status === 'failed' && d.attempts > 1 ? d : undefined;
      },
      30_000,
      'the reconciler to send the re-opened delivery',
    );
    expect(replayed.replays).toBe(1);
  }, 120_000);

  it('a topic send: deliveries hashed over many partitions, each subscriber once, completion counts all', async () => {
    await api.post('/v1/webhooks', {
      url: `${receiver.url}/shards-topic`,
      events: ['notification.completed'],
    });
    expect((await api.request('PUT', '/v1/topics/sharded', {})).status).toBe(201);
    const ids = Array.from({ length: 300 }, (_, i) => `sharded-${i}`);
    const items = ids.map((rid) => ({ id: rid, emails: [`${rid}@sharded.example`] }));
    expect((await api.post('/v1/recipients/batch', { items })).status).toBe(200);
    expect((await api.post('/v1/topics/sharded/subscribers', { ids })).status).toBe(200);
    const sent = await api.post('/v1/notifications', {
      to: { topic: 'sharded' },
      channels: { email: { subject: 'Sharded', text: 'hello' } },
    });
    expect(sent.status).toBe(202);
    const id = String(sent.body.id);
    await waitFor(() => (completions('/shards-topic', id).length > 0 ? true : undefined), 60_000);
    const perPartition = await itemsPerPartition(id, 64);
    expect(perPartition.reduce((a, b) => a + b, 0)).toBe(300);
    expect(perPartition.filter((n) => n > 0).length).toBeGreaterThan(32);
    expect(Math.max(...perPartition)).toBeLessThan(30);
    const outbox = stack.outbox.list().filter((m) => m.recipient.endsWith('@sharded.example'));
    expect(outbox).toHaveLength(300);
    expect(new Set(outbox.map((m) => m.recipient)).size).toBe(300);
    const found = await store.get(id, { consistent: true });
    expect(found?.deliveries).toHaveLength(300);
    expect(found?.deliveries.every((d) => ['sent', 'delivered'].includes(d.status))).toBe(true);
    expectOneCompletion(completions('/shards-topic', id), 300);
  }, 120_000);
});
