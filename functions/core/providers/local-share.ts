import type { RateBuckets, Reservation } from './ports';
import type { Sender, SenderPool } from './senders';

/** What decides whether a sender is booked in this instance's memory. */
export interface LocalShareSettings {
  /**
   * The most instances of the channel function that run at once (both lanes' maxConcurrency
   * summed): each gets rate / concurrency, so the shares never add up to more than the rate.
   */
  concurrency: number;
  /** Records per invocation (the event source's batch size). */
  batchSize: number;
  /** The clock scale every rate is multiplied by (1 deployed). */
  rateScale: number;
}

/**
 * Sends one record of a batch can make a second: an attempt is at least a claim, a content read,
 * the provider call and a status write, ~100 ms. So one instance sends at most batchSize x 10/s.
 */
export const SENDS_PER_RECORD_SECOND = 10;

/** Where a sender is booked when its rate is this instance's to hold. */
export interface LocalBooking {
  /** The bucket key (an FCM project's shards are booked as the project). */
  key: string;
  /** This instance's share, in units per second, on the (scaled) clock. */
  ratePerSecond: number;
  buckets: RateBuckets;
}

/**
 * The per-instance share of a fast sender, when the share is still more than one instance can
 * send (an FCM project: 10,000/s over 52 push instances is 192/s each, against at most 100/s a
 * batch of 10 can go): booking it costs no DynamoDB write, and no instance is ever held back by
 * its share. Decided on both the published rate and the scaled clock, so the local stack books in
 * DynamoDB what the deployed stack books there (an SES account at 14/s, SMS numbers, WhatsApp
 * senders, Slack channels: where the share would throttle an instance and tenants take turns),
 * and a slowed-down local clock never turns a share into a throttle. Undefined: book in DynamoDB.
 */
export function createLocalShare(
  settings: LocalShareSettings,
): (sender: Sender, pool: SenderPool) => LocalBooking | undefined {
  const buckets = new LocalShareBuckets();
  const capacity = settings.batchSize * SENDS_PER_RECORD_SECOND;
  return (sender, pool) => {
    if (!(settings.concurrency >= 1)) return undefined;
    const group = bookingGroup(sender, pool);
    const slowest = Math.min(group.ratePerSecond, group.ratePerSecond * settings.rateScale);
    if (slowest / settings.concurrency < capacity) return undefined;
    return {
      key: group.key,
      ratePerSecond: (group.ratePerSecond * settings.rateScale) / settings.concurrency,
      buckets,
    };
  };
}

/**
 * The key and rate a sender is counted on: itself, or for an FCM project booked on shards
 * (`<project>~<i>`, push-config.ts: only because one DynamoDB item cannot take its rate), the
 * project with the shards' rates summed.
 */
export function bookingGroup(
  sender: Sender,
  pool: SenderPool,
): { key: string; ratePerSecond: number } {
  const shard = /~\d+$/.exec(sender.key);
  if (sender.kind !== 'fcm-project' || !shard || pool.ids.length < 2) {
    return { key: sender.key, ratePerSecond: sender.ratePerSecond };
  }
  return {
    key: sender.key.slice(0, shard.index),
    ratePerSecond: sender.ratePerSecond * pool.ids.length,
  };
}

/**
 * GCRA buckets in this instance's memory: the same reservations as the DynamoDB buckets (a slot
 * starts at max(tat, now), granted within the horizon, tat moves by the cost), for one instance.
 * No burst beyond the next slot: an instance never sends faster than its share.
 */
export class LocalShareBuckets implements RateBuckets {
  readonly #tat = new Map<string, number>();

  async reserve(key: string, costMs: number, horizonMs: number, now: number): Promise<Reservation> {
    // Tenants' turn keys come and go: a schedule that ran dry is the same as none.
    if (this.#tat.size > 10_000) {
      for (const [k, tat] of this.#tat) if (tat < now) this.#tat.delete(k);
    }
    const start = Math.max(this.#tat.get(key) ?? 0, now);
    if (start - now > horizonMs) return { granted: false, freeAt: start - horizonMs };
    this.#tat.set(key, start + costMs);
    return { granted: true, startAt: start };
  }
}
