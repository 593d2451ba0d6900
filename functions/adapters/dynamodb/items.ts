import { createHash } from 'node:crypto';
import type { Channel, DeliveryRecord, DeliveryStatus, NotificationRecord } from '../../core/model';

/*
 * The single-table layout: a notification is partition `NOTIF#<id>` with its content on the
 * `META` item and one `DELIVERY#<deliveryId>` item per delivery (see docs/architecture.md).
 */
export const notificationKey = (id: string) => `NOTIF#${id}`;
export const META = 'META';
export const deliveryKey = (deliveryId: string) => `DELIVERY#${deliveryId}`;

/*
 * The open-work index (GSI `reconcile`, sparse): the notification item carries `rpk`
 * (`RECONCILE#<shard>`) and `rsk` (`<reconcileAt ISO>#<id>`) from its first write, so finding
 * open work costs one index entry per notification, never one per delivery. The index projects
 * only the keys, sendAt and priority. Shards spread the index writes over several partitions.
 */
export const RECONCILE_INDEX = 'reconcile';
export const RECONCILE_SHARDS = 4;
export const reconcilePartition = (shard: number) => `RECONCILE#${shard}`;
export const reconcileSortKey = (at: number, id: string) => `${new Date(at).toISOString()}#${id}`;

export function reconcileShard(id: string): number {
  return (createHash('sha256').update(id).digest()[0] ?? 0) % RECONCILE_SHARDS;
}

/** The index attributes of a notification due for reconciliation at `at` (none if undefined). */
export function reconcileIndexAttributes(
  id: string,
  at: number | undefined,
): { rpk?: string; rsk?: string } {
  if (at === undefined) return {};
  return { rpk: reconcilePartition(reconcileShard(id)), rsk: reconcileSortKey(at, id) };
}

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
    // The open-work index entry rides on the notification's own write too.
    ...reconcileIndexAttributes(notification.id, notification.reconcileAt),
    [TENANT_INDEX_PK]: `TENANT#${notification.tenantId}`,
    [TENANT_INDEX_SK]: `${notification.createdAt}#${notification.id}`,
    channels: Object.keys(notification.content),
    expiresAt,
  };
}

/** A new delivery item, as ingest writes it. */
export function deliveryItem(d: DeliveryRecord, expiresAt: number): Record<string, unknown> {
  return {
    pk: notificationKey(d.notificationId),
    sk: deliveryKey(d.deliveryId),
    channel: d.channel,
    recipient: d.recipient,
    status: d.status,
    attempts: d.attempts,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
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
    rpk: _rpk,
    rsk: _rsk,
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
  if (typeof item.leaseUntil === 'number' && item.leaseUntil > 0) {
    record.leaseUntil = item.leaseUntil;
  }
  return record;
}
