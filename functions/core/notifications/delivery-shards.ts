import type { DeliveryRecord, NotificationRecord } from './model';

/*
 * Delivery items are spread over partition keys so that no key takes more than DynamoDB's 1,000
 * write units a second at any audience size (docs/architecture.md, "Scale"). A delivery id names
 * its shard: `<channel>#<shard>.<rest>` lives in shard <shard>; an id without the `<shard>.` part
 * (every delivery of a request with at most DELIVERIES_PER_SHARD per channel, and every delivery
 * written before shards existed) lives in shard 0, the notification's own partition. So whoever
 * holds a delivery id finds its item without a read; whoever lists a notification's deliveries
 * reads `deliveryShards` (absent: 1) on the notification and queries that many partitions.
 */

/** Deliveries of one channel per shard, in a request (4 write units each: 1,000 for a shard's life). */
export const DELIVERIES_PER_SHARD = 250;

/**
 * Shards of a topic send, whatever its audience (unknown when it is accepted): the deliveries
 * hash evenly over them, so even the table's whole default on-demand quota (40,000 write units a
 * second) spent on one topic send puts at most 625 a second on each key.
 */
export const FANOUT_DELIVERY_SHARDS = 64;

/** The shard a delivery id names (0 when it names none). */
export function shardOfDelivery(deliveryId: string): number {
  const match = /^[a-z]+#(\d{1,4})\./.exec(deliveryId);
  return match ? Number(match[1]) : 0;
}

/** A notification record that may say how many shards its deliveries use (absent: 1). */
export type ShardedNotification = NotificationRecord & { deliveryShards?: number };

/** Records on the notification (written with it) how many shards its deliveries use. */
export function setShards(notification: NotificationRecord, shards: number): void {
  if (shards > 1) (notification as ShardedNotification).deliveryShards = shards;
}

/** Shards of a notification's deliveries (1 when it does not say). */
export function shardsOf(notification: NotificationRecord): number {
  const shards = (notification as ShardedNotification).deliveryShards;
  return typeof shards === 'number' && Number.isInteger(shards) && shards > 1 ? shards : 1;
}

/**
 * A request's deliveries (ids `<channel>#<n>`, n counted per channel): the n-th from
 * DELIVERIES_PER_SHARD on moves to shard floor(n / DELIVERIES_PER_SHARD), its id becoming
 * `<channel>#<shard>.<n>`; the notification records how many shards it has when more than one.
 * Call before anything is written or enqueued.
 */
export function spreadOverShards(
  notification: NotificationRecord,
  deliveries: DeliveryRecord[],
): void {
  let shards = 1;
  for (const d of deliveries) {
    const match = /^([a-z]+)#(\d+)$/.exec(d.deliveryId);
    if (!match) continue;
    const shard = Math.floor(Number(match[2]) / DELIVERIES_PER_SHARD);
    if (shard === 0) continue;
    d.deliveryId = `${match[1]}#${shard}.${match[2]}`;
    shards = Math.max(shards, shard + 1);
  }
  setShards(notification, shards);
}

/** The shard of a topic send's delivery, from the hex hash its id is made of. */
export function fanoutShardOf(hashHex: string): number {
  return Number.parseInt(hashHex.slice(0, 6), 16) % FANOUT_DELIVERY_SHARDS;
}
