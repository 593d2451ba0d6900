import { describe, expect, it } from 'vitest';
import {
  deliveryItemKey,
  notificationIdOfPartition,
} from '../../../../functions/adapters/dynamodb/items';
import {
  DELIVERIES_PER_SHARD,
  FANOUT_DELIVERY_SHARDS,
  shardOfDelivery,
  shardsOf,
  spreadOverShards,
} from '../../../../functions/core/notifications/delivery-shards';
import type {
  DeliveryRecord,
  NotificationRecord,
} from '../../../../functions/core/notifications/model';
import { fanoutDeliveryId } from '../../../../functions/core/topics/fanout';

const notification = (): NotificationRecord => ({
  id: 'n1',
  tenantId: 't',
  createdAt: '2026-12-07T00:00:00.000Z',
  priority: 'normal',
  content: {},
  deliveryCount: 0,
});

const deliveries = (channel: 'email' | 'sms', n: number) =>
  Array.from(
    { length: n },
    (_, i) => ({ notificationId: 'n1', deliveryId: `${channel}#${i}`, channel }) as DeliveryRecord,
  );

describe('delivery shards', () => {
  it('keeps a request of up to 250 a channel in the notification partition, ids unchanged', () => {
    const n = notification();
    const ds = [...deliveries('email', DELIVERIES_PER_SHARD), ...deliveries('sms', 3)];
    spreadOverShards(n, ds);
    expect(shardsOf(n)).toBe(1);
    expect(ds.map((d) => d.deliveryId)).toContain('email#249');
    expect(ds.every((d) => deliveryItemKey('n1', d.deliveryId).pk === 'NOTIF#n1')).toBe(true);
  });

  it('moves the n-th delivery of a channel from 250 on to shard floor(n / 250)', () => {
    const n = notification();
    const ds = [...deliveries('email', 600), ...deliveries('sms', 260)];
    spreadOverShards(n, ds);
    expect(shardsOf(n)).toBe(3);
    const ids = ds.map((d) => d.deliveryId);
    expect(ids).toContain('email#0');
    expect(ids).toContain('email#1.250');
    expect(ids).toContain('email#2.599');
    expect(ids).toContain('sms#1.259');
    const perKey = new Map<string, number>();
    for (const d of ds) {
      const { pk, sk } = deliveryItemKey('n1', d.deliveryId);
      expect(sk).toBe(`DELIVERY#${d.deliveryId}`);
      perKey.set(pk, (perKey.get(pk) ?? 0) + 1);
    }
    expect(Object.fromEntries(perKey)).toEqual({
      'NOTIF#n1': 500,
      'NOTIF#n1#1': 260,
      'NOTIF#n1#2': 100,
    });
    for (const pk of perKey.keys()) expect(notificationIdOfPartition(pk)).toBe('n1');
  });

  it('hashes topic deliveries evenly over the fan-out shards, the same id for the same address', () => {
    const perShard = new Array(FANOUT_DELIVERY_SHARDS).fill(0);
    for (let i = 0; i < 64_000; i++) {
      const id = fanoutDeliveryId('push', `r${i}`, `token-${i}`);
      perShard[shardOfDelivery(id)]++;
    }
    // 1,000 expected per shard: within 15% either way.
    expect(Math.min(...perShard)).toBeGreaterThan(850);
    expect(Math.max(...perShard)).toBeLessThan(1150);
    expect(fanoutDeliveryId('email', 'r1', 'a@x.example')).toBe(
      fanoutDeliveryId('email', 'r1', 'a@x.example'),
    );
  });

  it('reads ids written before shards existed as shard 0', () => {
    expect(shardOfDelivery('email#7')).toBe(0);
    expect(shardOfDelivery('push#a0123456789abcdef012')).toBe(0);
    expect(deliveryItemKey('n1', 'push#a0123456789abcdef012').pk).toBe('NOTIF#n1');
    expect(deliveryItemKey('n1', 'push#12.a0123456789abcdef012').pk).toBe('NOTIF#n1#12');
  });
});
