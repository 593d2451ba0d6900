import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryRecord, NotificationRecord } from '../../core/notifications/model';
import { chunk, mapWithConcurrency } from '../../core/shared/concurrency';
import { NotRecordedError } from '../../core/shared/errors';
import { deleteBatch, putBatch } from './batch-write';
import { PAGE_SIZE, pageItems, pageKey } from './delivery-pages';
import {
  contentKey,
  deliveryItem,
  deliveryItemKey,
  META,
  notificationItem,
  notificationKey,
} from './items';

/** A delivery that waits to be sent: an entry of a page item until it is claimed. */
const onPage = (d: DeliveryRecord) => d.status === 'queued' || d.status === 'scheduled';

/** BatchWriteItem takes at most 25 requests. */
const WRITE_BATCH = 25;
/** Batches in flight at once. */
const WRITE_PARALLEL = 8;

/**
 * Records a notification: its page items (the deliveries waiting to be sent, 1,000 an item: their
 * own items are created when they are claimed, see delivery-pages.ts), the items of deliveries
 * final at once (skipped) and per-delivery content first (BatchWriteItem, 25 a call, 8 calls at
 * once), then, only once all of them are written, the notification (META) item on its own.
 *
 * BatchWriteItem is not atomic, so the META item is the commit record. Everything that can send a
 * delivery goes through it: the reconciler finds work on the open-work index and the tenant's
 * list on the index entries it carries, senders read the content from it, and ingest enqueues
 * messages only after it is written. Delivery items without it are inert.
 *
 * If a batch fails, the batches still in flight are waited for (none lands after the caller has
 * its answer), no new one starts, the META item is not written and the deliveries are deleted as
 * far as DynamoDB allows (what stays expires with the TTL, found by nothing). If the META write
 * fails it may still have been applied (an answer lost on the way back): it is deleted, and the
 * deliveries with it, so either deletion alone leaves nothing to send. Throws NotRecordedError.
 */
export async function createNotification(
  db: DynamoDBDocumentClient,
  tableName: string,
  notification: NotificationRecord,
  deliveries: readonly DeliveryRecord[],
  expiresAt: number,
): Promise<void> {
  const failures: unknown[] = [];
  // A delivery with content of its own (personalized) gets it as a second item, written with it.
  // Deliveries to be sent are entries of page items (delivery-pages.ts): their own item is
  // created when they are claimed. A skipped one is final at once and keeps its item (its event).
  const pages = pageItems(notification.id, deliveries.filter(onPage), expiresAt);
  const batches = chunk(
    deliveries.flatMap((d) => [
      ...(onPage(d) ? [] : [deliveryItem(d, expiresAt)]),
      ...(d.content === undefined
        ? []
        : [
            {
              pk: notificationKey(d.notificationId),
              sk: contentKey(d.deliveryId),
              content: d.content,
              expiresAt,
            },
          ]),
    ]),
    WRITE_BATCH,
  );
  batches.push(...pages.map((page) => [page]));
  await mapWithConcurrency(batches, WRITE_PARALLEL, async (batch) => {
    if (failures.length > 0) return;
    await putBatch(db, tableName, batch).catch((error: unknown) => {
      failures.push(error);
    });
  });
  if (failures.length > 0) {
    await discard(db, tableName, notification.id, deliveries, false);
    throw new NotRecordedError(notification.id, { cause: failures[0] });
  }
  try {
    await db.send(
      new PutCommand({ TableName: tableName, Item: notificationItem(notification, expiresAt) }),
    );
  } catch (error) {
    await discard(db, tableName, notification.id, deliveries, true);
    throw new NotRecordedError(notification.id, { cause: error });
  }
}

/**
 * Best effort, never throws: the caller's answer is already decided (nothing recorded), and each
 * step alone makes what is left unsendable.
 */
async function discard(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
  deliveries: readonly DeliveryRecord[],
  metaAttempted: boolean,
): Promise<void> {
  const pk = notificationKey(id);
  if (metaAttempted) {
    await db
      .send(new DeleteCommand({ TableName: tableName, Key: { pk, sk: META } }))
      .catch(() => undefined);
  }
  const pages = Math.ceil(deliveries.length / PAGE_SIZE);
  const keys = deliveries.flatMap((d, i) => [
    deliveryItemKey(id, d.deliveryId),
    ...(i < pages ? [{ pk, sk: pageKey(i) }] : []),
    ...(d.content === undefined ? [] : [{ pk, sk: contentKey(d.deliveryId) }]),
  ]);
  await mapWithConcurrency(chunk(keys, WRITE_BATCH), WRITE_PARALLEL, (batch) =>
    deleteBatch(db, tableName, batch).catch(() => undefined),
  );
}
