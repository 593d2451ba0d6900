import type { Channel, DeliveryRecord, DeliveryStatus, NotificationRecord } from '../../core/model';

/*
 * The single-table layout: a notification is partition `NOTIF#<id>` with its content on the
 * `META` item and one `DELIVERY#<deliveryId>` item per delivery (see docs/architecture.md).
 */
export const notificationKey = (id: string) => `NOTIF#${id}`;
export const META = 'META';
export const deliveryKey = (deliveryId: string) => `DELIVERY#${deliveryId}`;

export function toNotification(item: Record<string, unknown>): NotificationRecord {
  const { pk: _pk, sk: _sk, expiresAt: _ttl, ...rest } = item;
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
  return record;
}
