import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel, DeliveryStatus, Priority } from '../../core/notifications/model';
import type { IndexedNotification, NotificationIndex } from '../../core/notifications/ports';
import { deliveryItemsOf, shardCountOf } from './delivery-shard-reads';
import { META, notificationKey, TENANT_INDEX, TENANT_INDEX_PK, TENANT_INDEX_SK } from './items';

/** ISO form of an epoch-ms bound; `~` sorts after every id character, so `to` is inclusive. */
const lowerBound = (from: number | undefined) =>
  from === undefined ? '0' : new Date(from).toISOString();
const upperBound = (to: number | undefined) =>
  to === undefined ? '9' : `${new Date(to).toISOString()}#~`;

/** Lists a tenant's notifications through the `byTenant` index (see items.ts). */
export class DynamoNotificationIndex implements NotificationIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async page(
    tenantId: string,
    query: Parameters<NotificationIndex['page']>[1],
  ): Promise<{ rows: IndexedNotification[]; lastPosition?: string }> {
    const partition = `TENANT#${tenantId}`;
    const names: Record<string, string> = { '#pk': TENANT_INDEX_PK, '#sk': TENANT_INDEX_SK };
    const values: Record<string, unknown> = {
      ':pk': partition,
      ':from': lowerBound(query.from),
      ':to': upperBound(query.to),
    };
    const filters: string[] = [];
    if (query.channel) {
      names['#channels'] = 'channels';
      values[':channel'] = query.channel;
      filters.push('contains(#channels, :channel)');
    }
    if (query.metadata) {
      names['#metadata'] = 'metadata';
      names['#key'] = query.metadata.key;
      values[':value'] = query.metadata.value;
      filters.push('#metadata.#key = :value');
    }
    const answer = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TENANT_INDEX,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: query.limit,
        // The partition comes from the caller's tenant, never from the cursor: a position from
        // another tenant's list only says where to resume in this one.
        ...(query.after
          ? {
              ExclusiveStartKey: {
                [TENANT_INDEX_PK]: partition,
                [TENANT_INDEX_SK]: query.after,
                pk: notificationKey(query.after.slice(query.after.indexOf('#') + 1)),
                sk: META,
              },
            }
          : {}),
      }),
    );
    const rows = (answer.Items ?? []).map(toRow);
    const last = answer.LastEvaluatedKey?.[TENANT_INDEX_SK];
    return { rows, ...(typeof last === 'string' ? { lastPosition: last } : {}) };
  }

  async deliveryStatuses(
    notificationId: string,
  ): Promise<{ channel: Channel; status: DeliveryStatus }[]> {
    const statuses: { channel: Channel; status: DeliveryStatus }[] = [];
    // Every shard of the notification's deliveries (delivery-shard-reads.ts).
    const shards = await shardCountOf(this.db, this.tableName, notificationId);
    const items = await deliveryItemsOf(this.db, this.tableName, notificationId, shards, {
      ProjectionExpression: 'sk, #channel, #status',
      ExpressionAttributeNames: { '#channel': 'channel', '#status': 'status' },
    });
    for (const item of items) {
      statuses.push({ channel: item.channel as Channel, status: item.status as DeliveryStatus });
    }
    return statuses;
  }
}

function toRow(item: Record<string, unknown>): IndexedNotification {
  const row: IndexedNotification = {
    id: String(item.id),
    createdAt: String(item.createdAt),
    priority: item.priority as Priority,
    channels: (item.channels as Channel[] | undefined) ?? [],
    deliveryCount: Number(item.deliveryCount ?? 0),
    position: String(item[TENANT_INDEX_SK]),
  };
  if (typeof item.sendAt === 'string') row.sendAt = item.sendAt;
  if (item.metadata && typeof item.metadata === 'object') {
    row.metadata = item.metadata as Record<string, string>;
  }
  return row;
}
