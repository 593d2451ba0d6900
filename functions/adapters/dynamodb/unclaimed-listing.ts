import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryRecord } from '../../core/notifications/model';
import { mapWithConcurrency } from '../../core/shared/concurrency';
import { PAGE_PREFIX, pageEntries } from './delivery-pages';
import { DELIVERY_PREFIX, deliveryItemKey, notificationKey, toDelivery } from './items';
import { queryItems } from './query-items';

/** Item look-ups in flight at once. */
const LOOKUP_PARALLEL = 32;

/*
 * The second part of a topic send's delivery listing (fanout-store.ts deliveriesPage): after
 * every shard's delivery items, the page entries of deliveries not claimed yet (no item of
 * their own), page by page, each page's entries in key order. Its cursor is the page's sort
 * key and the entry's, `PAGE#<n>|DELIVERY#<id>`.
 */

export const isPagePosition = (k: string) => k.startsWith(PAGE_PREFIX) && k.includes('|');

/**
 * Up to `limit` deliveries with no item, from after position `after` (`<page sk>|<entry sk>`,
 * or '' for the start); `last` is the position of the last one listed.
 */
export async function unclaimedPage(
  db: DynamoDBDocumentClient,
  tableName: string,
  notificationId: string,
  limit: number,
  after: string,
): Promise<{ deliveries: DeliveryRecord[]; last?: string; more: boolean }> {
  const [afterPage = '', afterEntry = ''] = after === '' ? [] : after.split('|');
  const deliveries: DeliveryRecord[] = [];
  let last: string | undefined;
  for await (const page of queryItems(db, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': notificationKey(notificationId),
      ':from': afterPage === '' ? PAGE_PREFIX : afterPage,
      ':to': `${PAGE_PREFIX}~`,
    },
  })) {
    const pageSk = String(page.sk);
    const entries = pageEntries(page)
      .filter((e) => pageSk !== afterPage || String(e.sk) > afterEntry)
      .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : 1));
    // Each entry's own item, by key: an entry whose delivery has an item was listed with it.
    const claimed = await mapWithConcurrency(entries, LOOKUP_PARALLEL, (entry) =>
      hasItem(db, tableName, notificationId, String(entry.sk).slice(DELIVERY_PREFIX.length)),
    );
    for (const [i, entry] of entries.entries()) {
      if (claimed[i]) continue;
      if (deliveries.length >= limit) return { deliveries, ...(last && { last }), more: true };
      deliveries.push(toDelivery(notificationId, entry));
      last = `${pageSk}|${String(entry.sk)}`;
    }
  }
  return { deliveries, ...(last && { last }), more: false };
}

async function hasItem(
  db: DynamoDBDocumentClient,
  tableName: string,
  notificationId: string,
  deliveryId: string,
): Promise<boolean> {
  const key = deliveryItemKey(notificationId, deliveryId);
  for await (const _item of queryItems(db, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk = :sk',
    ExpressionAttributeValues: { ':pk': key.pk, ':sk': key.sk },
    ProjectionExpression: 'sk',
  }))
    return true;
  return false;
}
