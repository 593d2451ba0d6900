import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryState } from '../../core/events/model';
import type { DeliveryStateReader, IngestCommits } from '../../core/events/ports';
import type { DeliveryStatus } from '../../core/notifications/model';
import { FINAL } from '../../core/notifications/status';
import { newestOpen, pageEntries, pagesOf } from './delivery-pages';
import { shardCountOf } from './delivery-shard-reads';
import { DELIVERY_PREFIX, deliveryItemKey, META, notificationKey, shardPartition } from './items';
import { queryItems } from './query-items';

/** Items read per page: most checks stop on the first page. */
const PAGE = 25;

/**
 * The completion check's read: the notification's delivery items, strongly consistent, newest
 * sort key first, a page at a time, stopping at the first one not final. Deliveries finish
 * roughly in the order they were enqueued, so the open ones sit at the end of the key range and
 * a check for a notification still in progress usually costs one page (1 read unit up to 4 KB).
 */
export class DynamoDeliveryStates implements DeliveryStateReader, IngestCommits {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async deliveryStates(notificationId: string): Promise<DeliveryState[]> {
    const states: DeliveryState[] = [];
    // First the last entries of the newest page (deliveries are claimed roughly in page order):
    // while a large send is in progress, one of them is usually not claimed or not final yet.
    const open = await newestOpen(this.db, this.tableName, notificationId);
    if (open) return [open];
    // Shard by shard (delivery-shard-reads.ts); stopping at the first open delivery reads no
    // further page and no further shard.
    const shards = await shardCountOf(this.db, this.tableName, notificationId);
    for (let shard = 0; shard < shards; shard++) {
      if (await this.#shardStates(notificationId, shard, states)) return states;
    }
    // Every item is final: a page entry with no item is a delivery not claimed yet, still open.
    const have = new Set(states.map((s) => s.deliveryId));
    for (const page of await pagesOf(this.db, this.tableName, notificationId, true)) {
      for (const entry of pageEntries(page)) {
        const deliveryId = String(entry.sk).slice(DELIVERY_PREFIX.length);
        if (have.has(deliveryId)) continue;
        states.push({ deliveryId, status: entry.status as DeliveryStatus, version: 0 });
        return states;
      }
    }
    return states;
  }

  /** Adds a shard's states to `states`; true when it met an open delivery (and stopped there). */
  async #shardStates(notificationId: string, shard: number, states: DeliveryState[]) {
    // Pages of PAGE; stopping at the first open delivery reads no further page.
    for await (const item of queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': shardPartition(notificationId, shard),
        ':prefix': DELIVERY_PREFIX,
      },
      ProjectionExpression: 'sk, #status, #version, #replays',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#version': 'version',
        '#replays': 'replays',
      },
      ConsistentRead: true,
      ScanIndexForward: false,
      Limit: PAGE,
    })) {
      const status = item.status as DeliveryStatus;
      states.push({
        deliveryId: String(item.sk).slice(DELIVERY_PREFIX.length),
        status,
        version: Number(item.version ?? 0),
        // Names the completion (completionEventOf): a replay re-opening a delivery counts it up.
        ...(typeof item.replays === 'number' && { replays: item.replays }),
      });
      if (!FINAL.includes(status)) return true;
    }
    return false;
  }

  /**
   * Whether the notification item exists, else whether the delivery item does: strongly
   * consistent Queries on one key each (the events function may Query notification items; a
   * GetItem would need a grant of its own).
   */
  async commitState(
    notificationId: string,
    deliveryId: string,
  ): Promise<'committed' | 'pending' | 'discarded'> {
    if (await this.exists({ pk: notificationKey(notificationId), sk: META })) return 'committed';
    const delivery = deliveryItemKey(notificationId, deliveryId);
    return (await this.exists(delivery)) ? 'pending' : 'discarded';
  }

  private async exists(key: { pk: string; sk: string }): Promise<boolean> {
    for await (const _item of queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': key.pk, ':sk': key.sk },
      ProjectionExpression: 'sk',
      ConsistentRead: true,
    }))
      return true;
    return false;
  }
}
