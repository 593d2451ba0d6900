import type { SuppressionList } from '../core/delivery/report-ports';
import type { Channel, DeliveryMessage } from '../core/notifications/model';
import type { NotificationRepository } from '../core/notifications/ports';
import { mapWithConcurrency } from '../core/shared/concurrency';
import { type DeliverySuppressions, suppressionKey } from '../core/suppressions/model';

/**
 * The suppression check for one SQS batch: one BatchGetItem per tenant in the batch (usually
 * one) instead of a read per delivery. Each message names its notification's tenant (older ones
 * do not: that tenant is read once per container, key-only, cached). If the batch read fails,
 * each delivery falls back to its own lookup rather than sending unchecked.
 */
export async function suppressionsForBatch(
  channel: Channel,
  /** The batch's messages, parsed once by the channel handler (malformed ones left out). */
  messages: readonly DeliveryMessage[],
  store: NotificationRepository,
  list: SuppressionList,
  onError: (error: unknown) => void,
): Promise<DeliverySuppressions> {
  const loaded = new Map<string, Set<string>>();
  try {
    const byTenant = new Map<string, { channel: Channel; recipient: string }[]>();
    // The messages carry their tenant; only older ones (queued without it) need a lookup.
    const tenantOf = new Map<string, string>();
    for (const m of messages) if (m.tenantId) tenantOf.set(m.notificationId, m.tenantId);
    const unknown = [...new Set(messages.map((m) => m.notificationId))].filter(
      (id) => !tenantOf.has(id),
    );
    const tenants = await mapWithConcurrency(unknown, 10, (id) => store.getTenant(id));
    unknown.forEach((id, i) => {
      const tenant = tenants[i];
      if (tenant) tenantOf.set(id, tenant);
    });
    for (const message of messages) {
      const tenant = tenantOf.get(message.notificationId);
      if (tenant === undefined) continue;
      const list = byTenant.get(tenant) ?? [];
      list.push({ channel, recipient: message.recipient });
      byTenant.set(tenant, list);
    }
    for (const [tenant, recipients] of byTenant) {
      loaded.set(tenant, await list.findSuppressed(tenant, recipients));
    }
  } catch (error) {
    onError(error);
  }
  return {
    async isSuppressed(tenantId, deliveryChannel, recipient) {
      const key = suppressionKey(deliveryChannel, recipient);
      const set = loaded.get(tenantId);
      if (set) return set.has(key);
      const found = await list.findSuppressed(tenantId, [{ channel: deliveryChannel, recipient }]);
      return found.has(key);
    },
    add: (entry) => list.add(entry),
  };
}
