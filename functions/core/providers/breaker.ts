import type { Channel } from '../notifications/model';
import { type Sender, type SenderPool, senderFor } from './senders';

/** When a sender's breaker opens and for how long (shared by every sender function). */
export interface BreakerSettings {
  /** Provider-side failures within `windowMs` that open it. */
  failures: number;
  windowMs: number;
  /** How long it stays open; then the next delivery tries the sender again (half-open). */
  openMs: number;
}

export const DEFAULT_BREAKER: BreakerSettings = { failures: 3, windowMs: 30_000, openMs: 30_000 };

/** What the breakers know and are told: the open state per sender key, and each failure. */
export interface SenderBreakers {
  isOpen(senderKey: string, now: number): boolean;
  /** Counts a provider-side failure; opens the breaker at the threshold. */
  failure(senderKey: string, now: number, settings: BreakerSettings): Promise<void>;
}

/*
 * Provider-side failures: the provider (or the way to it) is down, overloaded or throttling
 * beyond the rate. Content errors (a bad number, a rejected message) are permanent and never
 * count; credential and configuration errors are the account's, not the sender's.
 */
const PROVIDER_SIDE =
  /^(http_(5\d\d|429)|5\d\d|429|20429|20500|20503|ratelimited|ServiceUnavailable|InternalFailure|Throttling\w*|TooManyRequests\w*|UNAVAILABLE|INTERNAL|QUOTA_EXCEEDED|messaging\/(internal-error|server-unavailable|message-rate-exceeded)|E[A-Z]{3,}|TimeoutError|AbortError|network_error|request_error)$/;

/** Whether a failed send says the sender itself is in trouble (and the next one should be tried). */
export function providerSideFailure(error: {
  retryable: boolean;
  code: string;
  outcomeUnknown: boolean;
}): boolean {
  return error.retryable && (error.outcomeUnknown || PROVIDER_SIDE.test(error.code));
}

/** The sender chosen for a delivery and which of the routes (providers, in order) it belongs to. */
export interface ChosenSender {
  sender: Sender;
  pool: SenderPool;
  route: number;
}

/**
 * Failover: the recipient's own sender of the first provider (sticky), else the provider's other
 * senders in order, else the next provider's, skipping every sender whose breaker is open. When
 * all are open, the recipient's own first sender (its breaker will be half-open soonest for it).
 */
export function chooseSender(
  pools: readonly SenderPool[],
  channel: Channel,
  recipient: string,
  isOpen: (senderKey: string) => boolean,
): ChosenSender | undefined {
  let first: ChosenSender | undefined;
  for (const [route, pool] of pools.entries()) {
    const sticky = senderFor(pool, channel, recipient);
    first ??= { sender: sticky, pool, route };
    if (!isOpen(sticky.key)) return { sender: sticky, pool, route };
    if (channel === 'slack') continue;
    for (const id of pool.ids) {
      const other = senderFor({ ...pool, ids: [id] }, channel, recipient);
      if (!isOpen(other.key)) return { sender: other, pool, route };
    }
  }
  return first;
}
