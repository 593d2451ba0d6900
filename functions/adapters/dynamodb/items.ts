import type { Channel, DeliveryRecord, DeliveryStatus, NotificationRecord } from '../../core/model';

/*
 * The single-table layout: a notification is partition `NOTIF#<id>` with its content on the
 * `META` item and one `DELIVERY#<deliveryId>` item per delivery (see docs/architecture.md).
 */
export const notificationKey = (id: string) => `NOTIF#${id}`;
export const META = 'META';
export const deliveryKey = (deliveryId: string) => `DELIVERY#${deliveryId}`;

/**
 * The per-tenant time index: GSI `byTenant` on the notification (META) item, partition
 * `TENANT#<tenantId>`, sort `<createdAt>#<id>`. It projects only what a list shows (never the
 * content), so each notification costs one small index write, in the same PutItem as the item.
 */
export const TENANT_INDEX = 'byTenant';
export const TENANT_INDEX_PK = 'tenantPk';
export const TENANT_INDEX_SK = 'tenantSk';
/** Attributes the index carries besides its keys (lib/constructs/data-table.ts projects these). */
export const TENANT_INDEX_PROJECTION = [
  'id',
  'createdAt',
  'sendAt',
  'priority',
  'metadata',
  'channels',
  'deliveryCount',
] as const;

/**
 * The notification (META) item. Its entry in the tenant's list index is part of the item itself,
 * so it is written in the same write: there is no second write to fail or forget.
 */
export function notificationItem(
  notification: NotificationRecord,
  expiresAt: number,
): Record<string, unknown> {
  return {
    pk: notificationKey(notification.id),
    sk: META,
    ...notification,
    [TENANT_INDEX_PK]: `TENANT#${notification.tenantId}`,
    [TENANT_INDEX_SK]: `${notification.createdAt}#${notification.id}`,
    channels: Object.keys(notification.content),
    expiresAt,
  };
}

export function toNotification(item: Record<string, unknown>): NotificationRecord {
  const {
    pk: _pk,
    sk: _sk,
    expiresAt: _ttl,
    [TENANT_INDEX_PK]: _tenantPk,
    [TENANT_INDEX_SK]: _tenantSk,
    channels: _channels,
    ...rest
  } = item;
  return rest as unknown as NotificationRecord;
}

export function toDelivery(notificationId: string, item: Record<string, unknown>): DeliveryRecord {
  const record: DeliveryRecord = {
    notificationId,
    deliveryId: String(item.sk).slice('DELIVERY#'.length),
    channel: item.channel as Channel,
    recipient: String(item.recipient),
    status: item.status as DeliveryStatus,
    attempts: Number(item.attempts ?? 0),
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
  };
  if (typeof item.providerMessageId === 'string') record.providerMessageId = item.providerMessageId;
  if (typeof item.lastError === 'string') record.lastError = item.lastError;
  if (item.failure === 'permanent' || item.failure === 'exhausted') record.failure = item.failure;
  if (typeof item.replays === 'number' && item.replays > 0) record.replays = item.replays;
  return record;
}
