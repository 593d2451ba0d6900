import { mapWithConcurrency } from '../shared/concurrency';
import { SETTLE_PARALLEL } from './ingest';
import type { DeliveryQueue, NotificationRepository } from './ports';

/** What one release did. */
export interface ReleaseResult {
  released: number;
  /** Deliveries no longer scheduled (cancelled, or already released by an earlier firing). */
  skipped: number;
}

/**
 * Releases a scheduled notification: every delivery still `scheduled` is put on its channel queue
 * and then marked `queued`. Enqueue comes first so a crash in between can only cause a second
 * message for the same delivery, which the channel function's conditional claim turns into a
 * no-op; the reverse order could lose a delivery. A schedule that fires twice therefore sends
 * nothing twice.
 */
export async function releaseNotification(
  deps: { store: NotificationRepository; queue: DeliveryQueue },
  notificationId: string,
  now: number,
): Promise<ReleaseResult> {
  const found = await deps.store.get(notificationId);
  if (!found) return { released: 0, skipped: 0 };
  const due = found.deliveries.filter((d) => d.status === 'scheduled');
  const failed = await deps.queue.enqueue(due, found.notification.priority);
  if (failed.length > 0) {
    // Nothing is marked: the retry (Scheduler's retry policy) finds them still scheduled.
    throw new Error(`${failed.length} deliveries of ${notificationId} could not be released`);
  }
  await mapWithConcurrency(due, SETTLE_PARALLEL, (d) =>
    deps.store.markReleased(notificationId, d.deliveryId, now, d),
  );
  return { released: due.length, skipped: found.deliveries.length - due.length };
}
