import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { shardOfDelivery } from '../../core/notifications/delivery-shards';
import type { DeliveryRecord, DeliveryStatus } from '../../core/notifications/model';
import { FINAL } from '../../core/notifications/status';
import { DELIVERY_PREFIX, deliveryItemKey, deliveryKey, notificationKey } from './items';
import { queryItems } from './query-items';

/*
 * Page items (docs/architecture.md, "Scale": fewer writes per delivery). A request's deliveries
 * that are to be sent get no item of their own at ingest: one page item `NOTIF#<id>` /
 * `PAGE#<n>` per PAGE_SIZE of them holds what the API shows of a delivery not yet claimed
 * (~40-50 bytes each). The claim creates the delivery item (a conditional write that is also the
 * lease); a cancel, a failure before the claim or a reconciler's re-queue creates it too, each
 * conditionally. Readers merge: a delivery item wins over its page entry, and a page entry with
 * no item reads as the delivery item ingest used to write (version 0: no item yet).
 */

export const PAGE_PREFIX = 'PAGE#';
/** Deliveries per page item: 1,000 x ~50 bytes stays far under DynamoDB's 400 KB an item. */
export const PAGE_SIZE = 1000;
/** The sort key of page `n` (a request's pages count from 0; a topic send's are its fan-out pages). */
export const pageKey = (n: number) => `${PAGE_PREFIX}${String(n).padStart(6, '0')}`;

/**
 * One entry, as small as it can be (a delivery's share of its page's write is its size / 1 KB):
 * the recipient alone, or [recipient, recipientId] for one sent to a recipient id, or
 * [recipient, recipientId or '', status] for one whose status is not the page's.
 */
type Entry = string | [string, string] | [string, string, string];
/** Entries by channel, then by the rest of the delivery id (`<channel>#<rest>`). */
type Entries = Record<string, Record<string, Entry>>;

/** The page items of `deliveries` (none of them skipped: those keep an item of their own). */
export function pageItems(
  notificationId: string,
  deliveries: readonly DeliveryRecord[],
  expiresAt: number,
  /** A topic send's fan-out page (its items are `PAGE#<page>`, then `PAGE#<page>.1`...). */
  fanoutPage?: number,
): Record<string, unknown>[] {
  const pages: Record<string, unknown>[] = [];
  for (let at = 0; at < deliveries.length; at += PAGE_SIZE) {
    const slice = deliveries.slice(at, at + PAGE_SIZE);
    const first = slice[0];
    if (!first) continue;
    const d: Entries = {};
    for (const r of slice) {
      const hash = r.deliveryId.indexOf('#');
      const channel = r.deliveryId.slice(0, hash);
      const rid = r.recipientId ?? '';
      const entry: Entry =
        r.status !== first.status
          ? [r.recipient, rid, r.status]
          : rid
            ? [r.recipient, rid]
            : r.recipient;
      d[channel] ??= {};
      d[channel][r.deliveryId.slice(hash + 1)] = entry;
    }
    pages.push({
      pk: notificationKey(notificationId),
      sk:
        fanoutPage === undefined
          ? pageKey(at / PAGE_SIZE)
          : `${pageKey(fanoutPage)}${at === 0 ? '' : `.${at / PAGE_SIZE}`}`,
      createdAt: first.createdAt,
      status: first.status,
      ...(first.tenantId ? { tenantId: first.tenantId } : {}),
      ...(first.metadata && Object.keys(first.metadata).length > 0
        ? { metadata: first.metadata }
        : {}),
      ...(first.template && { template: first.template }),
      d,
      expiresAt,
    });
  }
  return pages;
}

/** The delivery ids a page item holds. */
export function pageDeliveryIds(page: Record<string, unknown>): string[] {
  return Object.entries((page.d ?? {}) as Entries).flatMap(([channel, entries]) =>
    Object.keys(entries).map((rest) => `${channel}#${rest}`),
  );
}

/** A page item's entries as the delivery items they stand for (no `version`: no item yet). */
export function pageEntries(page: Record<string, unknown>): Record<string, unknown>[] {
  const entries = (page.d ?? {}) as Entries;
  return Object.entries(entries).flatMap(([channel, byRest]) =>
    Object.entries(byRest).map(([rest, entry]) => {
      const [recipient, rid, status] = typeof entry === 'string' ? [entry] : entry;
      return {
        pk: page.pk,
        sk: deliveryKey(`${channel}#${rest}`),
        channel,
        recipient,
        status: status ?? page.status,
        attempts: 0,
        createdAt: page.createdAt,
        updatedAt: page.createdAt,
        ...(typeof page.tenantId === 'string' && { tenantId: page.tenantId }),
        ...(page.metadata !== undefined && { metadata: page.metadata }),
        ...(rid && { recipientId: rid }),
        ...(page.template !== undefined && { template: page.template }),
      };
    }),
  );
}

/** `items` (delivery items) with the page entries that have no item of their own added. */
export function mergePages(
  items: Record<string, unknown>[],
  pages: readonly Record<string, unknown>[],
): Record<string, unknown>[] {
  if (pages.length === 0) return items;
  const have = new Set(items.map((item) => String(item.sk)));
  const merged = [...items];
  for (const page of pages) {
    for (const entry of pageEntries(page)) {
      if (have.has(String(entry.sk))) continue;
      have.add(String(entry.sk));
      merged.push(entry);
    }
  }
  return inItemOrder(merged);
}

/** Items in the order the shards list them: shard by shard, each in sort key order. */
export function inItemOrder<T extends Record<string, unknown>>(items: T[]): T[] {
  const shard = (item: T) => shardOfDelivery(String(item.sk).slice(DELIVERY_PREFIX.length));
  return items.sort((a, b) => {
    const byShard = shard(a) - shard(b);
    if (byShard !== 0) return byShard;
    return String(a.sk) < String(b.sk) ? -1 : String(a.sk) > String(b.sk) ? 1 : 0;
  });
}

/** The page items of a notification (in its own partition). */
export async function pagesOf(
  db: DynamoDBDocumentClient,
  tableName: string,
  notificationId: string,
  consistent = false,
): Promise<Record<string, unknown>[]> {
  const pages: Record<string, unknown>[] = [];
  for await (const item of queryItems(db, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :page)',
    ExpressionAttributeValues: { ':pk': notificationKey(notificationId), ':page': PAGE_PREFIX },
    ...(consistent && { ConsistentRead: true }),
  })) {
    pages.push(item);
  }
  return pages;
}

/** What a created delivery item needs besides its status: from a page entry, a record or a message. */
export interface DeliverySeed {
  channel: string;
  recipient: string;
  createdAt?: string;
  tenantId?: string;
  metadata?: Record<string, string>;
  recipientId?: string;
  template?: { key: string; version: number };
}

/**
 * The attributes a write that may create the delivery item sets only if absent
 * (`if_not_exists`), so the same write updates an existing item without touching them.
 */
export function seedAttributes(
  seed: DeliverySeed,
  expiresAt: number,
  now: number,
): Record<string, unknown> {
  return {
    channel: seed.channel,
    recipient: seed.recipient,
    createdAt: seed.createdAt ?? new Date(now).toISOString(),
    ...(seed.tenantId && { tenantId: seed.tenantId }),
    ...(seed.metadata && Object.keys(seed.metadata).length > 0 && { metadata: seed.metadata }),
    ...(seed.recipientId && { recipientId: seed.recipientId }),
    ...(seed.template && { template: seed.template }),
    expiresAt,
  };
}

/** Adds `seed`'s attributes as `if_not_exists` assignments to an update's parts. */
export function addSeed(
  parts: { assignments: string[]; names: Record<string, string>; values: Record<string, unknown> },
  attributes: Record<string, unknown>,
): void {
  for (const [field, value] of Object.entries(attributes)) {
    parts.names[`#seed_${field}`] = field;
    parts.values[`:seed_${field}`] = value;
    parts.assignments.push(`#seed_${field} = if_not_exists(#seed_${field}, :seed_${field})`);
  }
}

export const isDeliverySk = (sk: unknown) => String(sk).startsWith(DELIVERY_PREFIX);

/**
 * The seed of a change from `from`: only for a delivery whose item may not exist yet (its record
 * is a page entry: version 0, in one of the statuses `from` names; or its queue message).
 */
export function seedOfChange(
  seed: (DeliverySeed & { version?: number; status?: string }) | undefined,
  from: readonly string[],
  expiresAt: number,
  now: number,
): { seed?: Record<string, unknown> } {
  if (!seed || (seed.version ?? 0) > 0) return {};
  if (seed.status !== undefined && !from.includes(seed.status)) return {};
  return { seed: seedAttributes(seed, expiresAt, now) };
}

/**
 * The page entry of `deliveryId`, as the delivery item it stands for, if a page holds it (for a
 * write whose caller gave no seed and found no item). Reads the notification's pages whole.
 */
export async function pageEntryOf(
  db: DynamoDBDocumentClient,
  tableName: string,
  notificationId: string,
  deliveryId: string,
): Promise<(DeliverySeed & { status: string }) | undefined> {
  const sk = deliveryKey(deliveryId);
  // A channel function may not Query (only GetItem and UpdateItem): its messages carry the seed,
  // and one without it (queued before page items existed) belongs to a delivery with an item.
  const pages = await pagesOf(db, tableName, notificationId, true).catch((error: unknown) => {
    if (error instanceof Error && error.name === 'AccessDeniedException') return [];
    throw error;
  });
  for (const page of pages) {
    const entry = pageEntries(page).find((e) => e.sk === sk);
    if (entry) return entry as unknown as DeliverySeed & { status: string };
  }
  return undefined;
}

/** Entries of the newest page the completion check looks at first. */
const PROBE = 4;

/**
 * The completion check's first look (delivery-states.ts): the last PROBE entries of the newest
 * page item, each one's own item read by key (strongly consistent). The first that has no item
 * or is not final, as an open state; undefined when all of them are final (or there is no page).
 */
export async function newestOpen(
  db: DynamoDBDocumentClient,
  tableName: string,
  notificationId: string,
): Promise<{ deliveryId: string; status: DeliveryStatus; version: number } | undefined> {
  const answer = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :page)',
      ExpressionAttributeValues: { ':pk': notificationKey(notificationId), ':page': PAGE_PREFIX },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  const page = answer.Items?.[0];
  if (!page) return undefined;
  const last = inItemOrder(pageEntries(page)).slice(-PROBE);
  const states = await Promise.all(
    last.map(async (entry) => {
      const deliveryId = String(entry.sk).slice(DELIVERY_PREFIX.length);
      const key = deliveryItemKey(notificationId, deliveryId);
      for await (const item of queryItems(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': key.pk, ':sk': key.sk },
        ProjectionExpression: '#status, #version',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
        ConsistentRead: true,
      })) {
        return { deliveryId, status: item.status as DeliveryStatus, version: Number(item.version) };
      }
      return { deliveryId, status: entry.status as DeliveryStatus, version: 0 };
    }),
  );
  return states.find((s) => !FINAL.includes(s.status));
}
