import { mapWithConcurrency } from '../shared/concurrency';
import { ConflictError } from '../shared/errors';
import { loadOwned } from './describe';
import { SETTLE_PARALLEL } from './ingest';
import type { DeliveryRecord } from './model';
import type { NotificationRepository, ReleaseScheduler } from './ports';
import { CANCEL_CANDIDATES } from './status';

/** What a cancel can touch: the store, and the scheduler that may hold a pending release. */
export interface CancelDependencies {
  store: NotificationRepository;
  scheduler?: ReleaseScheduler;
}

/**
 * DELETE /v1/notifications/{id}: every delivery still scheduled or queued, or waiting for a retry
 * (`sending` with no attempt in flight), becomes cancelled by a conditional write, so a release or
 * a channel function racing the cancel either sees `cancelled` and skips, or wins (claims the
 * lease) and the cancel leaves that delivery alone. Never by timing.
 */
export async function cancelNotification(
  deps: CancelDependencies,
  id: string,
  tenantId: string,
  now: number,
) {
  const { notification, deliveries } = await loadOwned(deps.store, id, tenantId);
  const candidates = deliveries.filter((d) => CANCEL_CANDIDATES.includes(d.status));
  const results = await mapWithConcurrency(candidates, SETTLE_PARALLEL, async (d) =>
    (await deps.store.cancel(id, d.deliveryId, now, d)) ? d : undefined,
  );
  const cancelled = results.filter((d): d is DeliveryRecord => d !== undefined);
  if (cancelled.length === 0) {
    throw new ConflictError(`Notification ${id} has nothing left to cancel`);
  }
  if (notification.scheduleName && deps.scheduler) {
    // With every delivery cancelled a late firing would release nothing; deleting the schedule
    // only saves the invocation, so a failure here is not the caller's problem.
    await deps.scheduler.unschedule(notification.scheduleName).catch(() => undefined);
  }
  return {
    id,
    cancelled: cancelled.length,
    deliveries: cancelled.map((d) => ({
      id: d.deliveryId,
      channel: d.channel,
      status: 'cancelled',
    })),
  };
}
