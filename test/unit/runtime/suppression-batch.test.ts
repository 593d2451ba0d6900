import { describe, expect, it } from 'vitest';
import type { DeliveryMessage } from '../../../functions/core/notifications/model';
import { suppressionsForBatch } from '../../../functions/runtime/suppression-batch';
import { InMemorySuppressions } from '../core/fakes';
import { world } from '../core/helpers';

const message = (recipient: string, tenantId?: string): DeliveryMessage => ({
  v: 1,
  notificationId: 'n1',
  deliveryId: `sms#${recipient.slice(-1)}`,
  channel: 'sms',
  recipient,
  ...(tenantId && { tenantId }),
});

async function setUp() {
  const env = world();
  await env.ingest(['+14155550001', '+14155550002']);
  const list = new InMemorySuppressions();
  await list.add({
    tenantId: 'acme',
    channel: 'sms',
    recipient: '+14155550002',
    reason: 'unsubscribed',
    source: 'test',
    createdAt: '2026-12-01T00:00:00Z',
  });
  return { env, list };
}

describe('suppressionsForBatch', () => {
  it('checks the batch with the tenant its messages carry: no read of the notification', async () => {
    const { env, list } = await setUp();
    const batch = await suppressionsForBatch(
      'sms',
      [message('+14155550001', 'acme'), message('+14155550002', 'acme')],
      env.store,
      list,
      () => undefined,
    );
    expect(env.store.tenantLookups).toBe(0);
    expect(list.reads).toBe(1);
    expect(await batch.isSuppressed('acme', 'sms', '+14155550002')).toBe(true);
    expect(await batch.isSuppressed('acme', 'sms', '+14155550001')).toBe(false);
    // Both answered from the one batch read.
    expect(list.reads).toBe(1);
  });

  it('reads the tenant of a notification whose messages were queued without it, once', async () => {
    const { env, list } = await setUp();
    const batch = await suppressionsForBatch(
      'sms',
      [message('+14155550001'), message('+14155550002')],
      env.store,
      list,
      () => undefined,
    );
    expect(env.store.tenantLookups).toBe(1);
    expect(await batch.isSuppressed('acme', 'sms', '+14155550002')).toBe(true);
    expect(list.reads).toBe(1);
  });
});
