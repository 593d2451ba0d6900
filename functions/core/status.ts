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
  sending: ['sending', 'delivered', 'failed'],
  delivered: [],
  failed: [],
  cancelled: [],
};

export function canTransition(from: DeliveryStatus, to: DeliveryStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses a delivery can be claimed for sending from. */
export const CLAIMABLE: readonly DeliveryStatus[] = ['scheduled', 'queued'];
/** Statuses from which a cancel still stops the send. */
export const CANCELLABLE: readonly DeliveryStatus[] = ['scheduled', 'queued'];
export const FINAL: readonly DeliveryStatus[] = ['delivered', 'failed', 'cancelled'];

export type AggregateStatus =
  | 'scheduled'
  | 'in_progress'
  | 'delivered'
  | 'failed'
  | 'partially_failed'
  | 'cancelled';

/** One word for a whole notification, from its deliveries' statuses. */
export function aggregateStatus(statuses: readonly DeliveryStatus[]): AggregateStatus {
  if (statuses.length === 0) return 'in_progress';
  if (statuses.every((s) => s === 'scheduled')) return 'scheduled';
  if (statuses.some((s) => !FINAL.includes(s))) return 'in_progress';
  if (statuses.every((s) => s === 'cancelled')) return 'cancelled';
  if (statuses.every((s) => s === 'delivered' || s === 'cancelled')) return 'delivered';
  if (statuses.every((s) => s === 'failed' || s === 'cancelled')) return 'failed';
  return 'partially_failed';
}
