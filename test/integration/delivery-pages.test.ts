import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDeliveryStates } from '../../functions/adapters/dynamodb/delivery-states';
import { DynamoFanoutStore } from '../../functions/adapters/dynamodb/fanout-store';
import { NotificationStore } from '../../functions/adapters/dynamodb/notification-store';
import { ReconcileIndex } from '../../functions/adapters/dynamodb/reconcile-index';
import {
  type DeliverDependencies,
  deliverRecord,
  type ReceivedDelivery,
} from '../../functions/core/delivery/deliver';
import { deliveryMessage } from '../../functions/core/delivery/delivery-message';
import type { ChannelProvider } from '../../functions/core/delivery/ports';
import { reconcile } from '../../functions/core/delivery/reconcile';
import type {
  DeliveryRecord,
  NotificationRecord,
  OutboundMessage,
} from '../../functions/core/notifications/model';
import type { DeliveryQueue } from '../../functions/core/notifications/ports';
import { type DynamoEmulator, startDynamoEmulator } from '../../local/emulators/dynamodb';

// A delivery not claimed yet has no item of its own: it is an entry of its notification's page
// item, and the claim creates the item (docs/architecture.md "Scale"). The races that used to
// be decided by conditions on an existing item are now decided by the create: these check that
// the guarantees (one attempt in flight, a cancelled delivery never sent, nothing stuck) hold.

class RecordingProvider implements ChannelProvider<'sms'> {
  readonly channel = 'sms' as const;
  readonly calls: OutboundMessage[] = [];
  async send(message: OutboundMessage<'sms'>) {
    this.calls.push(message);
    // A send takes a moment, so that a racing copy of the message meets the held lease.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { providerMessageId: `SM${this.calls.length}` };
  }
}

const TABLE = 'herald-pages-test';
let emulator: DynamoEmulator;
let db: DynamoDBDocumentClient;
let store: NotificationStore;
let provider: RecordingProvider;
let deps: DeliverDependencies;
let sequence = 0;

/** A notification of `count` queued SMS deliveries (and one skipped), written as ingest does. */
async function seed(count: number, options: { reconcileAt?: number; ageMs?: number } = {}) {
  const id = `p-${Date.now()}-${++sequence}`;
  const createdAt = new Date(Date.now() - (options.ageMs ?? 0)).toISOString();
  const deliveries: DeliveryRecord[] = Array.from({ length: count }, (_, n) => ({
    notificationId: id,
    deliveryId: `sms#${n}`,
    channel: 'sms',
    recipient: `+1415555${String(1000 + n)}`,
    status: 'queued',
    attempts: 0,
    createdAt,
    updatedAt: createdAt,
    tenantId: 't1',
    metadata: { order: '42' },
  }));
  const skipped: DeliveryRecord = {
    ...deliveries[0],
    deliveryId: `sms#${count}`,
    recipient: 'r-unreachable',
    status: 'skipped',
    skipReason: 'no_address',
    recipientId: 'r-unreachable',
  } as DeliveryRecord;
  await store.create(
    {
      id,
      tenantId: 't1',
      createdAt,
      priority: 'normal',
      content: { sms: { text: 'hello' } },
      deliveryCount: count + 1,
      ...(options.reconcileAt !== undefined && { reconcileAt: options.reconcileAt }),
    },
    [...deliveries, skipped],
    Date.now(),
  );
  return { id, deliveries };
}

/** The queue message of a delivery, as ingest (or the reconciler) queues it. */
const received = (d: DeliveryRecord, receiveCount = 1): ReceivedDelivery => ({
  message: deliveryMessage(d),
  receiveCount,
});

async function sortKeys(id: string): Promise<string[]> {
  const answer = await db.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `NOTIF#${id}` },
      ConsistentRead: true,
    }),
  );
  return (answer.Items ?? []).map((item) => String(item.sk));
}

beforeAll(async () => {
  emulator = await startDynamoEmulator({
    host: '127.0.0.1',
    port: 0,
    region: 'us-east-1',
    tableName: TABLE,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  db = DynamoDBDocumentClient.from(emulator.client);
  store = new NotificationStore(db, TABLE);
});
afterAll(() => emulator.stop());
beforeEach(() => {
  provider = new RecordingProvider();
  deps = {
    channel: 'sms',
    store,
    provider: async () => provider,
    maxReceiveCount: 5,
    retryBaseSeconds: 2,
    retryMaxSeconds: 60,
    leaseMs: 30_000,
  };
});

describe('deliveries on page items', () => {
  it('ingest writes one page item, not an item per delivery; GET shows every delivery', async () => {
    const { id } = await seed(3);
    // The skipped delivery is final at once and keeps its item (its delivery.skipped event).
    expect(await sortKeys(id)).toEqual(['DELIVERY#sms#3', 'META', 'PAGE#000000']);
    const found = await store.get(id);
    expect(found?.deliveries.map((d) => [d.deliveryId, d.status, d.attempts])).toEqual([
      ['sms#0', 'queued', 0],
      ['sms#1', 'queued', 0],
      ['sms#2', 'queued', 0],
      ['sms#3', 'skipped', 0],
    ]);
    expect(found?.deliveries[1]).toMatchObject({
      recipient: '+14155551001',
      tenantId: 't1',
      metadata: { order: '42' },
    });
  });

  it('the completion check counts a page entry with no item as open', async () => {
    const { id, deliveries } = await seed(2);
    const states = new DynamoDeliveryStates(db, TABLE);
    await deliverRecord(deps, received(deliveries[0] as DeliveryRecord));
    // Every item is final (the skipped one, the sent one): the unclaimed entry keeps it open.
    expect((await states.deliveryStates(id)).map((s) => [s.deliveryId, s.status])).toContainEqual([
      'sms#1',
      'queued',
    ]);
    await deliverRecord(deps, received(deliveries[1] as DeliveryRecord));
    const final = await states.deliveryStates(id);
    expect(final.map((s) => s.status).sort()).toEqual(['sent', 'sent', 'skipped']);
  });

  it("a topic send's listing pages through its items, then the page entries not claimed yet", async () => {
    const id = `t-${Date.now()}`;
    const createdAt = new Date().toISOString();
    await store.create(
      {
        id,
        tenantId: 't1',
        createdAt,
        priority: 'normal',
        content: { sms: { text: 'hi' } },
        deliveryCount: 0,
        deliveryShards: 64,
      } as NotificationRecord,
      [],
      Date.now(),
    );
    const deliveries: DeliveryRecord[] = [3, 17, 17, 40, 63].map((shard, n) => ({
      notificationId: id,
      deliveryId: `sms#${shard}.s${n}`,
      channel: 'sms',
      recipient: `+1415555200${n}`,
      status: 'queued',
      attempts: 0,
      createdAt,
      updatedAt: createdAt,
      tenantId: 't1',
    }));
    const fanouts = new DynamoFanoutStore(db, TABLE);
    expect((await fanouts.createDeliveries(deliveries, 0, 0)).size).toBe(5);
    // A re-run of the same page creates nothing again.
    expect((await fanouts.createDeliveries(deliveries, 0, 0)).size).toBe(0);
    await deliverRecord(deps, received(deliveries[1] as DeliveryRecord));
    await deliverRecord(deps, received(deliveries[4] as DeliveryRecord));
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await fanouts.deliveriesPage(id, 2, cursor);
      listed.push(...page.deliveries.map((d) => `${d.deliveryId}:${d.status}`));
      cursor = page.nextCursor;
    } while (cursor);
    expect(listed).toEqual([
      'sms#17.s1:sent',
      'sms#63.s4:sent',
      'sms#17.s2:queued',
      'sms#3.s0:queued',
      'sms#40.s3:queued',
    ]);
  });

  it('create-as-lease vs a redelivery: of copies racing for a delivery with no item, one sends', async () => {
    const rounds = 15;
    const { id, deliveries } = await seed(rounds);
    for (const d of deliveries) {
      const outcomes = await Promise.all([
        deliverRecord(deps, received(d, 1)),
        deliverRecord(deps, received(d, 2)),
        deliverRecord(deps, received(d, 1)),
      ]);
      expect(outcomes.filter((o) => o.outcome === 'sent')).toHaveLength(1);
    }
    // Exactly one provider call per delivery, and each one a recorded attempt.
    expect(provider.calls).toHaveLength(rounds);
    const found = await store.get(id, { consistent: true });
    const sendable = found?.deliveries.filter((d) => d.status !== 'skipped') ?? [];
    expect(sendable).toHaveLength(rounds);
    for (const d of sendable) {
      expect(d).toMatchObject({ status: 'sent', attempts: 1, metadata: { order: '42' } });
      expect(d.history).toHaveLength(1);
    }
  });

  it('a cancel tombstone beats a later claim: a cancelled delivery is never sent', async () => {
    const { id, deliveries } = await seed(2);
    const [first, second] = deliveries as [DeliveryRecord, DeliveryRecord];
    const read = await store.get(id);
    expect(await store.cancel(id, first.deliveryId, Date.now(), read?.deliveries[0])).toBe(true);
    expect(await deliverRecord(deps, received(first))).toEqual({
      outcome: 'skipped',
      reason: 'cancelled',
    });
    // Racing: the cancel's create and the claim's create, one of them first; never both.
    const [cancelled, outcome] = await Promise.all([
      store.cancel(id, second.deliveryId, Date.now(), read?.deliveries[1]),
      deliverRecord(deps, received(second)),
    ]);
    expect(cancelled).toBe(outcome.outcome !== 'sent');
    expect(provider.calls).toHaveLength(outcome.outcome === 'sent' ? 1 : 0);
    const after = await store.get(id, { consistent: true });
    expect(after?.deliveries[0]).toMatchObject({ status: 'cancelled', attempts: 0, version: 1 });
  });

  it('the reconciler re-enqueues a page delivery never claimed, and it is sent once', async () => {
    const now = Date.now();
    const { id, deliveries } = await seed(2, { reconcileAt: now - 60_000, ageMs: 120_000 });
    // Its message never reached the queue; only the first one is claimed meanwhile.
    await deliverRecord(deps, received(deliveries[0] as DeliveryRecord));
    const queued: DeliveryRecord[] = [];
    const queue: DeliveryQueue = {
      channels: ['sms'],
      enqueue: async (records) => {
        queued.push(...records);
        return [];
      },
    };
    const run = () =>
      reconcile({
        store,
        index: new ReconcileIndex(db, TABLE),
        queue,
        settings: { stuckAfterMs: 30_000, maxAttempts: 5, initialLookbackMs: 300_000 },
      });
    await run();
    expect(queued.map((d) => [d.notificationId, d.deliveryId])).toEqual([[id, 'sms#1']]);
    // The re-enqueue created the item (queued, a fresh clock): a second run leaves it alone.
    expect((await store.get(id, { consistent: true }))?.deliveries[1]).toMatchObject({
      status: 'queued',
      version: 1,
    });
    await run();
    expect(queued).toHaveLength(1);
    const outcome = await deliverRecord(deps, received(queued[0] as DeliveryRecord));
    expect(outcome.outcome).toBe('sent');
    expect(provider.calls.map((c) => c.recipient)).toEqual(['+14155551000', '+14155551001']);
  });
});
