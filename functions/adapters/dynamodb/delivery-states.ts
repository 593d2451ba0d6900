import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryState } from '../../core/events/model';
import type { DeliveryStateReader, IngestCommits } from '../../core/events/ports';
import type { DeliveryStatus } from '../../core/notifications/model';
import { FINAL } from '../../core/notifications/status';
import { DELIVERY_PREFIX, deliveryKey, META, notificationKey } from './items';
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
    // Pages of PAGE; stopping at the first open delivery reads no further page.
    for await (const item of queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': notificationKey(notificationId),
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
      if (!FINAL.includes(status)) return states;
    }
    return states;
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
    if (await this.exists(notificationId, META)) return 'committed';
    return (await this.exists(notificationId, deliveryKey(deliveryId))) ? 'pending' : 'discarded';
  }

  private async exists(notificationId: string, sk: string): Promise<boolean> {
    for await (const _item of queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': notificationKey(notificationId), ':sk': sk },
      ProjectionExpression: 'sk',
      ConsistentRead: true,
    }))
      return true;
    return false;
  }
}
