import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryRecord } from '../../core/notifications/model';
import { mapWithConcurrency } from '../../core/shared/concurrency';
import { pageDeliveryIds, pageItems } from './delivery-pages';
import { deliveryItem } from './items';

/** Conditional creates in flight at once for one page. */
const CREATE_PARALLEL = 32;

/**
 * A fan-out page's deliveries, by conditional creates: the ones to send as entries of the page's
 * own page item (`PAGE#<page>`, delivery-pages.ts; their items are created when they are
 * claimed), a skipped one as its own item (final at once: its event). Something already there
 * (an earlier run of the same page) is left exactly as it is. Answers the ids created now.
 */
export async function writeFanoutPage(
  db: DynamoDBDocumentClient,
  tableName: string,
  deliveries: readonly DeliveryRecord[],
  expiresAt: number,
  page: number,
): Promise<Set<string>> {
  const created = new Set<string>();
  const queued = deliveries.filter((d) => d.status === 'queued' || d.status === 'scheduled');
  const id = deliveries[0]?.notificationId ?? '';
  const items = [
    ...pageItems(id, queued, expiresAt, page),
    ...deliveries.filter((d) => !queued.includes(d)).map((d) => deliveryItem(d, expiresAt)),
  ];
  await mapWithConcurrency(items, CREATE_PARALLEL, async (item) => {
    try {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: item,
          // A plain put would set a delivery that is sending or final by now back to queued.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      const ids = item.d ? pageDeliveryIds(item) : [String(item.sk).slice('DELIVERY#'.length)];
      for (const deliveryId of ids) created.add(deliveryId);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  });
  return created;
}
