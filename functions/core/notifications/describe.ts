import { NotFoundError } from '../shared/errors';
import { maskRecipient } from '../shared/mask';
import type { DeliveryRecord, DeliveryStatus } from './model';
import type { NotificationRepository } from './ports';
import { aggregateStatus } from './status';

/** A delivery as the API shows it: personal recipients masked. */
export function presentDelivery(d: DeliveryRecord) {
  return {
    id: d.deliveryId,
    channel: d.channel,
    recipient: maskRecipient(d.channel, d.recipient),
    status: d.status,
    attempts: d.attempts,
    ...(d.providerMessageId ? { providerMessageId: d.providerMessageId } : {}),
    ...(d.lastError ? { lastError: d.lastError } : {}),
    ...(d.status === 'failed' && d.failure ? { failure: d.failure } : {}),
    ...(d.replays ? { replays: d.replays } : {}),
    // Newest last; at most ATTEMPT_HISTORY_SIZE, written with each outcome.
    attemptHistory: (d.history ?? []).map((a) => ({
      attempt: a.n,
      at: new Date(a.at).toISOString(),
      outcome: a.outcome,
      ...(a.error ? { error: a.error } : {}),
      ...(a.sender ? { sender: a.sender } : {}),
    })),
    ...(d.version ? { version: d.version } : {}),
    ...(d.providerDetail ? { providerDetail: d.providerDetail } : {}),
    ...(d.recipientId ? { recipientId: d.recipientId } : {}),
    ...(d.skipReason ? { skipReason: d.skipReason } : {}),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/** GET /v1/notifications/{id}. */
export async function describeNotification(
  store: NotificationRepository,
  id: string,
  tenantId: string,
) {
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
    ...(notification.template ? { template: notification.template } : {}),
    counts,
    deliveries: deliveries.map(presentDelivery),
  };
}

/** The notification and its deliveries, if it belongs to `tenantId`; NotFoundError otherwise. */
export async function loadOwned(store: NotificationRepository, id: string, tenantId: string) {
  const found = await store.get(id);
  // Another tenant's notification answers exactly like a missing one: ids are not secrets, but
  // their existence should not leak across tenants.
  if (!found || found.notification.tenantId !== tenantId) {
    throw new NotFoundError(`Notification ${id} not found`);
  }
  return found;
}
