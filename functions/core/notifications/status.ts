import type { DeliveryStatus } from './model';

/**
 * The forward-only status machine of a delivery. A redelivered SQS message, a late scheduled
 * release or a cancel racing a send can only ever move a delivery along these edges, and every
 * edge is taken by a conditional write on the expected current status.
 */
export const TRANSITIONS: Readonly<Record<DeliveryStatus, readonly DeliveryStatus[]>> = {
  scheduled: ['queued', 'sending', 'cancelled', 'failed'],
  queued: ['sending', 'cancelled', 'failed'],
  // sending -> sending: a transient failure keeps the delivery in flight for the next attempt.
  // sending -> cancelled only while it waits for a retry (no attempt in flight; see the store).
  // A provider report can arrive before the sender has recorded `sent` (Twilio calls back within
  // milliseconds; a sender may die after the provider accepted): the report proves acceptance,
  // so it applies from `sending` too, and the sender's own `sending -> sent` then finds nothing
  // to change. No second send can follow, because the delivery is no longer claimable.
  sending: [
    'sending',
    'sent',
    'delivered',
    'failed',
    'cancelled',
    'suppressed',
    'bounced',
    'complained',
    'undelivered',
  ],
  // Provider feedback after acceptance; Twilio's `failed` callback is a failure after `sent`.
  sent: ['delivered', 'bounced', 'complained', 'undelivered', 'failed'],
  // A complaint comes after delivery; so can an asynchronous (out-of-band) bounce.
  delivered: ['bounced', 'complained'],
  // The one way back: a DLQ replay re-opens a delivery whose retries were exhausted. And the
  // provider's confirmation of an attempt Herald recorded "outcome unknown" wins over Herald.
  failed: ['queued', 'delivered'],
  cancelled: [],
  suppressed: [],
  bounced: [],
  complained: [],
  undelivered: [],
  // Recorded final at ingest for a recipient id that cannot be reached: never sent, never moves.
  skipped: [],
};

export function canTransition(from: DeliveryStatus, to: DeliveryStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses a delivery can be claimed for sending from. */
export const CLAIMABLE: readonly DeliveryStatus[] = ['scheduled', 'queued'];
/** Statuses from which a cancel still stops the send. */
export const CANCELLABLE: readonly DeliveryStatus[] = ['scheduled', 'queued'];
/**
 * What a cancel tries: the cancellable statuses, and `sending`, which the store cancels only while
 * the delivery waits for a retry (no attempt holds the lease).
 */
export const CANCEL_CANDIDATES: readonly DeliveryStatus[] = [...CANCELLABLE, 'sending'];
/** Statuses a provider report may still move (or add a detail to). */
export const REPORTABLE: readonly DeliveryStatus[] = ['sending', 'sent', 'delivered'];
/** Accepted by the provider, confirmed or not: what a client counts as "went out". */
export const SUCCEEDED: readonly DeliveryStatus[] = ['sent', 'delivered'];
/** Did not reach the recipient, by error, feedback or suppression. */
export const UNSUCCESSFUL: readonly DeliveryStatus[] = [
  'failed',
  'suppressed',
  'bounced',
  'complained',
  'undelivered',
];
/**
 * Settled: no attempt is pending. `sent` and `delivered` may still move on provider feedback and
 * `failed` may be re-opened by a replay, but nothing in Herald will act on them by itself.
 */
export const FINAL: readonly DeliveryStatus[] = [
  ...SUCCEEDED,
  ...UNSUCCESSFUL,
  'cancelled',
  'skipped',
];

export type AggregateStatus =
  | 'scheduled'
  | 'in_progress'
  | 'sent'
  | 'delivered'
  | 'failed'
  | 'partially_failed'
  | 'cancelled';

/**
 * One word for a whole notification, from its deliveries' statuses. `delivered` only when every
 * delivery that went out was confirmed; `sent` when some were only accepted.
 */
export function aggregateStatus(all: readonly DeliveryStatus[]): AggregateStatus {
  // A skipped delivery (a recipient who opted out, has no address) is not a failure to send;
  // a notification whose every delivery was skipped sent nothing: failed.
  const statuses = all.some((s) => s !== 'skipped') ? all.filter((s) => s !== 'skipped') : all;
  if (statuses.length === 0) return 'in_progress';
  if (statuses.every((s) => s === 'skipped')) return 'failed';
  if (statuses.every((s) => s === 'scheduled')) return 'scheduled';
  if (statuses.some((s) => !FINAL.includes(s))) return 'in_progress';
  if (statuses.every((s) => s === 'cancelled')) return 'cancelled';
  if (statuses.every((s) => s === 'delivered' || s === 'cancelled')) return 'delivered';
  if (statuses.every((s) => SUCCEEDED.includes(s) || s === 'cancelled')) return 'sent';
  if (statuses.every((s) => UNSUCCESSFUL.includes(s) || s === 'cancelled')) return 'failed';
  return 'partially_failed';
}
