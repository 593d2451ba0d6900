import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { shardsOf } from '../../core/notifications/delivery-shards';
import type { DeliveryRecord, NotificationRecord } from '../../core/notifications/model';
import { inItemOrder, mergePages, PAGE_PREFIX } from './delivery-pages';
import { deliveryItemsOf } from './delivery-shard-reads';
import { DELIVERY_PREFIX, META, notificationKey, toDelivery, toNotification } from './items';
import { queryItems } from './query-items';

/**
 * A notification and its deliveries: the notification's own partition (the notification, its
 * page items and the first shard's delivery items), then the other shards; a delivery item wins
 * over its page entry (delivery-pages.ts). Undefined if there is no such notification.
 */
export async function readNotification(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
  consistent: boolean,
): Promise<{ notification: NotificationRecord; deliveries: DeliveryRecord[] } | undefined> {
  const options = { consistent };
  let notification: NotificationRecord | undefined;
  const deliveries: DeliveryRecord[] = [];
  const pages: Record<string, unknown>[] = [];
  const claimed: Record<string, unknown>[] = [];
  for await (const item of queryItems(db, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': notificationKey(id) },
    ...(options.consistent && { ConsistentRead: true }),
  })) {
    if (item.sk === META) notification = toNotification(item);
    // Beside deliveries the partition may hold their own content (CONTENT#): not deliveries.
    else if (String(item.sk).startsWith(DELIVERY_PREFIX)) claimed.push(item);
    else if (String(item.sk).startsWith(PAGE_PREFIX)) pages.push(item);
  }
  // A page entry stands for its delivery until the delivery has an item (delivery-pages.ts).
  for (const item of mergePages(claimed, pages)) deliveries.push(toDelivery(id, item));
  if (!notification) return undefined;
  // Deliveries past the first shard live in partitions of their own (delivery-shard-reads.ts).
  const more = await deliveryItemsOf(
    db,
    tableName,
    id,
    shardsOf(notification),
    options.consistent ? { ConsistentRead: true } : {},
    1,
  );
  if (more.length === 0) return { notification, deliveries };
  const merged = new Map(deliveries.map((d) => [d.deliveryId, d]));
  for (const item of more) {
    const d = toDelivery(id, item);
    merged.set(d.deliveryId, d);
  }
  const order = [...merged.values()].map((d) => ({ sk: `${DELIVERY_PREFIX}${d.deliveryId}`, d }));
  return { notification, deliveries: inItemOrder(order).map(({ d }) => d) };
}
