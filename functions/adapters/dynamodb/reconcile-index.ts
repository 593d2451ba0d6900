import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DeliveryRecord, Priority } from '../../core/notifications/model';
import type { DueNotification, OpenWorkIndex } from '../../core/notifications/ports';
import { deliveryItemsOf, shardCountOf } from './delivery-shard-reads';
import {
  META,
  notificationIdOfPartition,
  notificationKey,
  RECONCILE_INDEX,
  RECONCILE_SHARDS,
  reconcilePartition,
  reconcileShard,
  reconcileSortKey,
  toDelivery,
} from './items';
import { queryItems } from './query-items';

/** The reconciler's own item: how far it got in each shard of the index. */
export const RECONCILER_KEY = { pk: 'RECONCILER', sk: 'PROGRESS' } as const;

/** The open-work index (GSI `reconcile` on the notification items) and the reconciler's progress. */
export class ReconcileIndex implements OpenWorkIndex {
  readonly shards = RECONCILE_SHARDS;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async *due(shard: number, after: number, through: number): AsyncIterable<DueNotification> {
    for await (const item of queryItems(this.db, {
      TableName: this.tableName,
      IndexName: RECONCILE_INDEX,
      KeyConditionExpression: 'rpk = :shard AND rsk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':shard': reconcilePartition(shard),
        ':from': reconcileSortKey(after + 1, ''),
        // '~' sorts after every id character: the whole last millisecond is included.
        ':to': reconcileSortKey(through, '~'),
      },
    })) {
      const rsk = String(item.rsk);
      const entry: DueNotification = {
        // A replayed delivery's own entry may sit in a shard's partition (NOTIF#<id>#<s>).
        id: notificationIdOfPartition(String(item.pk)),
        reconcileAt: Date.parse(rsk.slice(0, rsk.indexOf('#'))),
        priority: (item.priority as Priority | undefined) ?? 'normal',
      };
      if (typeof item.sendAt === 'string') entry.sendAt = Date.parse(item.sendAt);
      yield entry;
    }
  }

  async deliveries(notificationId: string): Promise<DeliveryRecord[]> {
    // The deliveries only, in every shard: the notification item holds the content, not needed.
    const shards = await shardCountOf(this.db, this.tableName, notificationId);
    const items = await deliveryItemsOf(this.db, this.tableName, notificationId, shards, {
      ConsistentRead: true,
    });
    return items.map((item) => toDelivery(notificationId, item));
  }

  async recheckAt(notificationId: string, at: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: notificationKey(notificationId), sk: META },
        UpdateExpression: 'SET rpk = :rpk, rsk = :rsk, reconcileAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':rpk': reconcilePartition(reconcileShard(notificationId)),
          ':rsk': reconcileSortKey(at, notificationId),
          ':at': at,
        },
      }),
    );
  }

  async progress(): Promise<Record<number, number>> {
    const answer = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: RECONCILER_KEY, ConsistentRead: true }),
    );
    const shards = answer.Item?.shards as Record<string, number> | undefined;
    return Object.fromEntries(Object.entries(shards ?? {}).map(([k, v]) => [Number(k), v]));
  }

  async saveProgress(progress: Record<number, number>, now: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...RECONCILER_KEY, shards: progress, updatedAt: new Date(now).toISOString() },
      }),
    );
  }
}
