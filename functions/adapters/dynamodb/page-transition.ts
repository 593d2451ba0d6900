import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { pageEntryOf, seedOfChange } from './delivery-pages';
import { type DeliveryChange, transitionDelivery } from './delivery-transition';
import { deliveryItemKey } from './items';

/**
 * transitionDelivery, and for a caller that gave no seed (delivery-pages.ts): when the change
 * did not happen because the delivery has no item, it may still be a page entry not claimed yet
 * (from its page's status): the change is tried again, creating the item from the entry. Costs
 * two reads, only on a change that did not happen.
 */
export async function transitionOrCreate(
  db: DynamoDBDocumentClient,
  tableName: string,
  notificationId: string,
  deliveryId: string,
  now: number,
  change: DeliveryChange,
  expiresAt: number,
): Promise<boolean> {
  if (await transitionDelivery(db, tableName, notificationId, deliveryId, now, change)) return true;
  if (change.seed || !change.from.some((s) => s === 'queued' || s === 'scheduled')) return false;
  const item = await db.send(
    new GetCommand({
      TableName: tableName,
      Key: deliveryItemKey(notificationId, deliveryId),
      ProjectionExpression: 'sk',
      ConsistentRead: true,
    }),
  );
  if (item.Item) return false;
  const entry = await pageEntryOf(db, tableName, notificationId, deliveryId);
  const seeded = seedOfChange(entry, change.from, expiresAt, now);
  if (!seeded.seed) return false;
  return transitionDelivery(db, tableName, notificationId, deliveryId, now, {
    ...change,
    ...seeded,
  });
}
