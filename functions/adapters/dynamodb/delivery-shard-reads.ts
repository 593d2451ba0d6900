import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../../core/shared/concurrency';
import { ByteBoundedCache } from './content-cache';
import { mergePages, pagesOf } from './delivery-pages';
import { DELIVERY_PREFIX, META, notificationKey, shardPartition } from './items';
import { queryItems } from './query-items';

/*
 * Reads of a notification's delivery items across its shards (core/notifications/
 * delivery-shards.ts): shard 0 is the notification's own partition, shards 1..n-1 are
 * `NOTIF#<id>#<s>`. The number of shards is on the notification item (`deliveryShards`).
 */

/** Shard Queries in flight at once. */
const SHARD_PARALLEL = 8;

// A notification's shard count never changes: one key-only read per notification per container.
const shardCounts = new ByteBoundedCache<number>(256 * 1024);

/**
 * How many shards notification `id`'s deliveries are spread over (1 when the notification item
 * does not say, or does not exist). A strongly consistent one-key Query (the events function may
 * Query notification items), cached.
 */
export async function shardCountOf(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
): Promise<number> {
  const cacheKey = `${tableName}/${id}`;
  const cached = shardCounts.get(cacheKey);
  if (cached !== undefined) return cached;
  let shards: number | undefined;
  for await (const item of queryItems(db, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk = :sk',
    ExpressionAttributeValues: { ':pk': notificationKey(id), ':sk': META },
    ProjectionExpression: 'deliveryShards',
    ConsistentRead: true,
  })) {
    shards = countOf(item.deliveryShards);
  }
  // A missing notification is not cached: it may be being written (ingest writes it last).
  if (shards === undefined) return 1;
  shardCounts.set(cacheKey, shards, cacheKey.length + 64);
  return shards;
}

/** `deliveryShards` as stored: a whole number above 1, else 1. */
export function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 1 ? value : 1;
}

/**
 * Every delivery item of shards `from`..`shards - 1`, shard by shard in order (each in sort key
 * order), Queried up to SHARD_PARALLEL shards at once. `input` adds options to each Query
 * (ConsistentRead, ProjectionExpression...).
 */
export async function deliveryItemsOf(
  db: DynamoDBDocumentClient,
  tableName: string,
  notificationId: string,
  shards: number,
  input: Partial<QueryCommandInput> = {},
  from = 0,
): Promise<Record<string, unknown>[]> {
  const numbers = Array.from({ length: Math.max(0, shards - from) }, (_, i) => from + i);
  const perShard = await mapWithConcurrency(numbers, SHARD_PARALLEL, async (shard) => {
    const items: Record<string, unknown>[] = [];
    for await (const item of queryItems(db, {
      ...input,
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :delivery)',
      ExpressionAttributeValues: {
        ':pk': shardPartition(notificationId, shard),
        ':delivery': DELIVERY_PREFIX,
      },
    })) {
      items.push(item);
    }
    return items;
  });
  const items = perShard.flat();
  // From the first shard on, the page entries of deliveries not yet claimed count too: a
  // delivery item wins over its entry (delivery-pages.ts). `input`'s projection must keep `sk`.
  if (from > 0) return items;
  const pages = await pagesOf(db, tableName, notificationId, input.ConsistentRead === true);
  return mergePages(items, pages);
}
