import { mapWithConcurrency } from '../concurrency';
import { maskRecipient } from '../mask';
import type { DeliveryRecord, NotificationStore } from '../../adapters/dynamodb/notification-store';
import { HttpError } from '../errors';
import { type Scheduler, SETTLE_PARALLEL } from './ingest';
import { aggregateStatus, CANCELLABLE } from '../status';
import type { DeliveryStatus } from '../model';

/** A delivery as the API shows it: personal recipients masked. */
function presentDelivery(d: DeliveryRecord) {
  return {
    id: d.deliveryId,
    channel: d.channel,
    recipient: maskRecipient(d.channel, d.recipient),
    status: d.status,
    attempts: d.attempts,
    ...(d.providerMessageId ? { providerMessageId: d.providerMessageId } : {}),
    ...(d.lastError ? { lastError: d.lastError } : {}),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

async function loadOwned(store: NotificationStore, id: string, tenantId: string) {
  const found = await store.get(id);
  // Another tenant's notification answers exactly like a missing one: ids are not secrets, but
  // their existence should not leak across tenants.
  if (!found || found.notification.tenantId !== tenantId) {
    throw new HttpError(404, `Notification ${id} not found`);
  }
  return found;
}

/** GET /v1/notifications/{id}. */
export async function describeNotification(store: NotificationStore, id: string, tenantId: string) {
  const { notification, deliveries } = await loadOwned(store, id, tenantId);
  const counts: Partial<Record<DeliveryStatus, number>> = {};
  for (const d of deliveries) counts[d.status] = (counts[d.status] ?? 0) + 1;
  return {
    id,
    status: aggregateStatus(deliveries.map((d) => d.status)),
    createdAt: notification.createdAt,
    ...(notification.sendAt ? { sendAt: notification.sendAt } : {}),
    priority: notification.priority,
    ...(notification.metadata ? { metadata: notification.metadata } : {}),
    counts,
    deliveries: deliveries.map(presentDelivery),
  };
}

/** What a cancel can touch: the store, and the scheduler that may hold a pending release. */
export interface CancelDependencies {
  store: NotificationStore;
  scheduler?: Scheduler & { unschedule(name: string): Promise<void> };
}

/**
 * DELETE /v1/notifications/{id}: every delivery still scheduled or queued becomes cancelled by a
 * conditional write, so a release or a channel function racing the cancel either sees
 * `cancelled` and skips, or wins and the cancel leaves that delivery alone. Never by timing.
 */
export async function cancelNotification(
  deps: CancelDependencies,
  id: string,
  tenantId: string,
  now: number,
) {
  const { notification, deliveries } = await loadOwned(deps.store, id, tenantId);
  const candidates = deliveries.filter((d) => CANCELLABLE.includes(d.status));
  const results = await mapWithConcurrency(candidates, SETTLE_PARALLEL, async (d) =>
    (await deps.store.cancel(id, d.deliveryId, now)) ? d : undefined,
  );
  const cancelled = results.filter((d): d is DeliveryRecord => d !== undefined);
  if (cancelled.length === 0) {
    throw new HttpError(409, `Notification ${id} has nothing left to cancel`);
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
