import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NotificationStore } from '../../functions/adapters/dynamodb/notification-store';
import {
  type DeliverDependencies,
  deliverRecord,
  type ReceivedDelivery,
} from '../../functions/core/delivery/deliver';
import { parseDeliveryMessage } from '../../functions/core/delivery/delivery-message';
import type { ChannelProvider } from '../../functions/core/delivery/ports';
import type { OutboundMessage } from '../../functions/core/notifications/model';
import {
  MalformedMessageError,
  OutcomeNotRecordedError,
  ProviderError,
} from '../../functions/core/shared/errors';
import { type DynamoEmulator, startDynamoEmulator } from '../../local/emulators/dynamodb';

// The delivery use-case on a real DynamoDB emulator, with a provider fake we own: what a
// redelivered, failing or cancelled message does to the record and to the provider.

class RecordingProvider implements ChannelProvider<'sms'> {
  readonly channel = 'sms' as const;
  readonly calls: OutboundMessage[] = [];
  failWith: ProviderError | undefined;
  async send(message: OutboundMessage<'sms'>) {
    this.calls.push(message);
    if (this.failWith) throw this.failWith;
    return { providerMessageId: `SM${this.calls.length}` };
  }
}

let emulator: DynamoEmulator;
let store: NotificationStore;
let provider: RecordingProvider;
let deps: DeliverDependencies;
let sequence = 0;

// When the seeded deliveries were accepted: their queue messages carry it (the claim creates the
// item of a delivery not claimed yet from the message).
const acceptedAt = new Date().toISOString();

async function seed(status: 'queued' | 'scheduled' = 'queued') {
  const id = `n-${++sequence}`;
  const now = acceptedAt;
  await store.create(
    {
      id,
      tenantId: 't1',
      createdAt: now,
      priority: 'normal',
      content: { sms: { text: 'hello' } },
      deliveryCount: 1,
    },
    [
      {
        notificationId: id,
        deliveryId: 'sms#0',
        channel: 'sms',
        recipient: '+14155550123',
        status,
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      },
    ],
    Date.now(),
  );
  return id;
}

function record(notificationId: string, receiveCount = 1): ReceivedDelivery {
  return {
    message: {
      v: 1,
      notificationId,
      deliveryId: 'sms#0',
      channel: 'sms',
      recipient: '+14155550123',
      tenantId: 't1',
      createdAt: acceptedAt,
    },
    receiveCount,
  };
}

async function delivery(id: string) {
  const found = await store.get(id);
  return found?.deliveries[0];
}

beforeAll(async () => {
  emulator = await startDynamoEmulator({
    host: '127.0.0.1',
    port: 0,
    region: 'us-east-1',
    tableName: 'herald-test',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  store = new NotificationStore(DynamoDBDocumentClient.from(emulator.client), 'herald-test');
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

describe('deliverRecord', () => {
  it('sends once and records sent with the provider id', async () => {
    const id = await seed();
    const outcome = await deliverRecord(deps, record(id));
    expect(outcome).toEqual({ outcome: 'sent', status: 'sent', providerMessageId: 'SM1' });
    expect(provider.calls[0]).toMatchObject({
      recipient: '+14155550123',
      content: { text: 'hello' },
    });
    expect(await delivery(id)).toMatchObject({
      status: 'sent',
      attempts: 1,
      providerMessageId: 'SM1',
    });
  });

  it('does not call the provider again for a redelivered message of a sent delivery', async () => {
    const id = await seed();
    await deliverRecord(deps, record(id, 1));
    const again = await deliverRecord(deps, record(id, 2));
    expect(again).toEqual({ outcome: 'skipped', reason: 'sent' });
    expect(provider.calls).toHaveLength(1);
  });

  it('records a permanent failure as failed and does not ask for a retry', async () => {
    const id = await seed();
    provider.failWith = new ProviderError('permanent', '21211', 'invalid To number');
    const outcome = await deliverRecord(deps, record(id));
    expect(outcome.outcome).toBe('failed');
    expect(await delivery(id)).toMatchObject({
      status: 'failed',
      lastError: '21211: invalid To number',
    });
  });

  it('retries a transient failure with backoff, then records failed on the last receive', async () => {
    const id = await seed();
    provider.failWith = new ProviderError('transient', '20429', 'too many requests');
    const first = await deliverRecord(deps, record(id, 1));
    expect(first).toMatchObject({ outcome: 'retry', delaySeconds: 2 });
    expect(await delivery(id)).toMatchObject({
      status: 'sending',
      lastError: '20429: too many requests',
    });
    const third = await deliverRecord(deps, record(id, 3));
    expect(third).toMatchObject({ outcome: 'retry', delaySeconds: 8 });
    const last = await deliverRecord(deps, record(id, 5));
    expect(last.outcome).toBe('exhausted');
    expect(await delivery(id)).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'gave up after 5 attempts: 20429: too many requests',
    });
    expect(provider.calls).toHaveLength(3);
  });

  it('skips a cancelled delivery without calling the provider', async () => {
    const id = await seed('scheduled');
    expect(await store.cancel(id, 'sms#0', Date.now())).toBe(true);
    const outcome = await deliverRecord(deps, record(id));
    expect(outcome).toEqual({ outcome: 'skipped', reason: 'cancelled' });
    expect(provider.calls).toHaveLength(0);
  });

  it('never sends concurrently: a second copy during the lease waits for it', async () => {
    const id = await seed();
    expect((await store.claim(id, 'sms#0', Date.now(), 30_000)).claimed).toBe(true);
    const outcome = await deliverRecord(deps, record(id, 2));
    // It comes back once what is left of the other attempt's lease (30 s) has run out.
    expect(outcome).toMatchObject({ outcome: 'retry' });
    expect(outcome.outcome === 'retry' && outcome.delaySeconds).toBeGreaterThanOrEqual(30);
    expect(outcome.outcome === 'retry' && outcome.delaySeconds).toBeLessThanOrEqual(31);
    expect(provider.calls).toHaveLength(0);
  });

  it('takes over a delivery whose sender died once the lease ran out', async () => {
    const id = await seed();
    expect((await store.claim(id, 'sms#0', Date.now() - 60_000, 30_000)).claimed).toBe(true);
    const outcome = await deliverRecord(deps, record(id, 2));
    expect(outcome.outcome).toBe('sent');
    expect(await delivery(id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('rejects a message that is not a Herald delivery message', async () => {
    expect(() => parseDeliveryMessage('not json', 'sms')).toThrow(MalformedMessageError);
    expect(() => parseDeliveryMessage('{"v":1}', 'sms')).toThrow('not a delivery message');
    const email = JSON.stringify({ ...record('x').message, channel: 'email' });
    expect(() => parseDeliveryMessage(email, 'sms')).toThrow('message for email on the sms queue');
  });

  it('cannot cancel what is already being sent', async () => {
    const id = await seed();
    await store.claim(id, 'sms#0', Date.now(), 30_000);
    expect(await store.cancel(id, 'sms#0', Date.now())).toBe(false);
  });

  it('cancels a delivery waiting for a retry, and its next receive sends nothing', async () => {
    const id = await seed();
    provider.failWith = new ProviderError('transient', '20429', 'too many requests');
    expect((await deliverRecord(deps, record(id, 1))).outcome).toBe('retry');
    expect(await delivery(id)).toMatchObject({ status: 'sending' });
    expect(await store.cancel(id, 'sms#0', Date.now())).toBe(true);
    provider.failWith = undefined;
    expect(await deliverRecord(deps, record(id, 2))).toEqual({
      outcome: 'skipped',
      reason: 'cancelled',
    });
    expect(provider.calls).toHaveLength(1);
    expect(await delivery(id)).toMatchObject({ status: 'cancelled' });
  });

  it('cancels a sending delivery whose sender died (lease run out), not one whose lease holds', async () => {
    const held = await seed();
    await store.claim(held, 'sms#0', Date.now(), 30_000);
    expect(await store.cancel(held, 'sms#0', Date.now())).toBe(false);
    const dead = await seed();
    await store.claim(dead, 'sms#0', Date.now() - 60_000, 30_000);
    expect(await store.cancel(dead, 'sms#0', Date.now())).toBe(true);
  });

  it("the last receive's fallback fails a delivery only while no attempt holds the lease", async () => {
    const held = await seed();
    await store.claim(held, 'sms#0', Date.now(), 30_000);
    expect(await store.failUnlessInFlight(held, 'sms#0', 'gave up', Date.now())).toBe(false);
    expect(await delivery(held)).toMatchObject({ status: 'sending' });
    const dead = await seed();
    await store.claim(dead, 'sms#0', Date.now() - 60_000, 30_000);
    expect(await store.failUnlessInFlight(dead, 'sms#0', 'gave up', Date.now())).toBe(true);
    const queued = await seed();
    expect(await store.failUnlessInFlight(queued, 'sms#0', 'gave up', Date.now())).toBe(true);
    expect(await delivery(queued)).toMatchObject({ status: 'failed', failure: 'exhausted' });
  });

  it('cancel racing the retry claim: exactly one wins, and a cancelled delivery is never sent', async () => {
    const rounds = 40;
    const ids = await Promise.all(Array.from({ length: rounds }, () => seed()));
    provider.failWith = new ProviderError('transient', '20429', 'too many requests');
    for (const id of ids) await deliverRecord(deps, record(id, 1));
    provider.failWith = undefined;
    const sentBefore = provider.calls.length;
    const results = await Promise.all(
      ids.map(async (id) => {
        const [outcome, cancelled] = await Promise.all([
          deliverRecord(deps, record(id, 2)),
          store.cancel(id, 'sms#0', Date.now()),
        ]);
        return { id, outcome: outcome.outcome, cancelled, final: (await delivery(id))?.status };
      }),
    );
    for (const r of results) {
      // Either the cancel won (nothing sent, cancelled) or the claim did (sent, cancel refused).
      if (r.cancelled) expect(r).toMatchObject({ outcome: 'skipped', final: 'cancelled' });
      else expect(r).toMatchObject({ outcome: 'sent', final: 'sent' });
    }
    const sentIds = provider.calls.slice(sentBefore).map((m) => m.notificationId);
    expect(new Set(sentIds).size).toBe(sentIds.length);
    expect(sentIds.sort()).toEqual(
      results
        .filter((r) => !r.cancelled)
        .map((r) => r.id)
        .sort(),
    );
  });

  it('masks the recipient a provider quotes in its error, in the stored reason', async () => {
    const id = await seed();
    provider.failWith = new ProviderError(
      'permanent',
      '21211',
      "The 'To' number +14155550123 is not a valid phone number.",
    );
    await deliverRecord(deps, record(id));
    const stored = await delivery(id);
    expect(stored?.lastError).toContain('+141******23');
    expect(stored?.lastError).not.toContain('+14155550123');
  });

  it('a failure to record "sent" is not retried as a provider failure: no second send', async () => {
    const id = await seed();
    const failingStore = Object.create(store) as NotificationStore;
    let writes = 0;
    failingStore.markSent = async () => {
      writes += 1;
      throw new Error('ProvisionedThroughputExceededException');
    };
    // Retried in-function first; then it gives up without calling it a provider failure.
    await expect(
      deliverRecord({ ...deps, store: failingStore }, record(id, 1)),
    ).rejects.toBeInstanceOf(OutcomeNotRecordedError);
    expect(writes).toBe(3);
    expect(await delivery(id)).toMatchObject({ status: 'sending' });
    // The redelivery finds the lease still held and waits instead of sending again.
    const again = await deliverRecord(deps, record(id, 2));
    expect(again.outcome).toBe('retry');
    expect(provider.calls).toHaveLength(1);
  });

  it('refuses a status change the state machine does not allow (status.ts is enforced)', async () => {
    const id = await seed();
    await expect(store.markFailed(id, 'sms#0', 'x', Date.now(), ['delivered'])).rejects.toThrow(
      'illegal status change delivered -> failed',
    );
  });
});
