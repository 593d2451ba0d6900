import { createHash } from 'node:crypto';
import { shardOfDelivery } from '../../core/notifications/delivery-shards';
import type {
  AttemptOutcome,
  AttemptRecord,
  Channel,
  DeliveryRecord,
  DeliveryStatus,
  NotificationRecord,
} from '../../core/notifications/model';
import { ATTEMPT_ERROR_CHARS, ATTEMPT_HISTORY_SIZE } from '../../core/notifications/model';
import type { SkipReason } from '../../core/notifications/recipient-fields';
import { attemptSender } from './attempt-sender';

/*
 * The single-table layout: a notification is partition `NOTIF#<id>` with its content on the
 * `META` item and one `DELIVERY#<deliveryId>` item per delivery (see docs/architecture.md).
 */
export const notificationKey = (id: string) => `NOTIF#${id}`;
/**
 * The partition of a notification's delivery shard (core/notifications/delivery-shards.ts):
 * shard 0 is the notification's own, `NOTIF#<id>`; shard s > 0 is `NOTIF#<id>#<s>`.
 */
export const shardPartition = (id: string, shard: number) =>
  shard === 0 ? notificationKey(id) : `${notificationKey(id)}#${shard}`;
/** The key of a delivery item: the shard its id names, sort key `DELIVERY#<deliveryId>`. */
export const deliveryItemKey = (notificationId: string, deliveryId: string) => ({
  pk: shardPartition(notificationId, shardOfDelivery(deliveryId)),
  sk: deliveryKey(deliveryId),
});
/** The notification id of an item's partition key (`NOTIF#<id>` or `NOTIF#<id>#<shard>`). */
export const notificationIdOfPartition = (pk: string) =>
  pk.slice(notificationKey('').length).replace(/#\d+$/, '');
export const META = 'META';
export const DELIVERY_PREFIX = 'DELIVERY#';
export const deliveryKey = (deliveryId: string) => `${DELIVERY_PREFIX}${deliveryId}`;
/** A delivery's own content (a template rendered per recipient), beside the delivery item. */
export const contentKey = (deliveryId: string) => `CONTENT#${deliveryId}`;

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
    channels: [...Object.keys(notification.content), ...(notification.personalized ?? [])],
    expiresAt,
  };
}

/** A new delivery item, as ingest writes it. */
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

/** A new delivery item, as ingest writes it: version 1, tenant and metadata copied for events. */
export function deliveryItem(d: DeliveryRecord, expiresAt: number): Record<string, unknown> {
  return {
    ...deliveryItemKey(d.notificationId, d.deliveryId),
    channel: d.channel,
    recipient: d.recipient,
    status: d.status,
    attempts: d.attempts,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    version: 1,
    ...(d.tenantId ? { tenantId: d.tenantId } : {}),
    ...(d.metadata && Object.keys(d.metadata).length > 0 ? { metadata: d.metadata } : {}),
    ...(d.recipientId ? { recipientId: d.recipientId } : {}),
    ...(d.template ? { template: d.template } : {}),
    ...(d.skipReason ? { skipReason: d.skipReason, lastError: d.lastError } : {}),
    expiresAt,
  };
}

/**
 * The attempt history is a map of ATTEMPT_HISTORY_SIZE slots keyed by attempt number modulo
 * the size: one `SET history.#slot = :entry` in the status write adds an entry and drops the
 * oldest, with no read and no list trimming. Short attribute names keep the item small.
 */
export function historySlot(attempt: number): string {
  return String(attempt % ATTEMPT_HISTORY_SIZE);
}

export function historyEntry(
  attempt: number,
  at: number,
  outcome: AttemptOutcome,
  error?: string,
): Record<string, string | number> {
  const entry: Record<string, string | number> = { n: attempt, at, o: outcome };
  // The sender this attempt went out from (failover and rates), when the function named one.
  const sender = attemptSender();
  if (sender) entry.s = sender;
  if (error) {
    entry.e =
      error.length > ATTEMPT_ERROR_CHARS ? `${error.slice(0, ATTEMPT_ERROR_CHARS - 1)}…` : error;
  }
  return entry;
}

function toHistory(value: unknown): AttemptRecord[] {
  if (!value || typeof value !== 'object') return [];
  const entries: AttemptRecord[] = [];
  for (const raw of Object.values(value as Record<string, Record<string, unknown>>)) {
    const entry: AttemptRecord = {
      n: Number(raw.n),
      at: Number(raw.at),
      outcome: raw.o as AttemptOutcome,
    };
    if (typeof raw.e === 'string') entry.error = raw.e;
    if (typeof raw.s === 'string') entry.sender = raw.s;
    entries.push(entry);
  }
  return entries.sort((a, b) => a.n - b.n || a.at - b.at);
}

export function toDelivery(notificationId: string, item: Record<string, unknown>): DeliveryRecord {
  const record: DeliveryRecord = {
    notificationId,
    deliveryId: String(item.sk).slice(DELIVERY_PREFIX.length),
    channel: item.channel as Channel,
    recipient: String(item.recipient),
    status: item.status as DeliveryStatus,
    attempts: Number(item.attempts ?? 0),
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
    version: Number(item.version ?? 0),
    history: toHistory(item.history),
  };
  if (typeof item.providerMessageId === 'string') record.providerMessageId = item.providerMessageId;
  if (typeof item.lastError === 'string') record.lastError = item.lastError;
  if (item.failure === 'permanent' || item.failure === 'exhausted') record.failure = item.failure;
  if (typeof item.replays === 'number' && item.replays > 0) record.replays = item.replays;
  if (typeof item.attemptsBeforeReplay === 'number') {
    record.attemptsBeforeReplay = item.attemptsBeforeReplay;
  }
  if (typeof item.leaseUntil === 'number' && item.leaseUntil > 0) {
    record.leaseUntil = item.leaseUntil;
  }
  if (typeof item.tenantId === 'string') record.tenantId = item.tenantId;
  if (item.metadata && typeof item.metadata === 'object') {
    record.metadata = item.metadata as Record<string, string>;
  }
  if (typeof item.providerDetail === 'string') record.providerDetail = item.providerDetail;
  if (typeof item.recipientId === 'string') record.recipientId = item.recipientId;
  const template = item.template as { key?: unknown; version?: unknown } | undefined;
  if (typeof template?.key === 'string' && typeof template.version === 'number')
    record.template = { key: template.key, version: template.version };
  if (typeof item.skipReason === 'string') record.skipReason = item.skipReason as SkipReason;
  return record;
}
