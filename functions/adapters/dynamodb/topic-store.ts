import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { chunk, mapWithConcurrency } from '../../core/shared/concurrency';
import { InvalidRequestError } from '../../core/shared/errors';
import { TOPIC_SHARDS, type Topic, topicShardOf } from '../../core/topics/model';
import type { Page, TopicStore } from '../../core/topics/ports';
import { putBatch } from './batch-write';

/*
 * Key design of topics (docs/architecture.md, "Topics" and "Scale"):
 * - topic        pk `TOPIC#<tenant>`, sk `<key>`: name, createdAt, updatedAt (one partition per
 *   tenant for the few topic items; listing is one Query);
 * - subscriber   pk `TSUB#<tenant>#<key>#<shard>`, sk `<recipientId>`, shard = FNV-1a(id) mod
 *   TOPIC_SHARDS: a topic's subscriptions spread over 16 partitions, so a bulk import may write
 *   16,000 of them a second before any partition reaches DynamoDB's 1,000 writes/s;
 * - membership   pk `RTOP#<tenant>#<recipientId>`, sk `<key>`: which topics one recipient is in
 *   (a recipient's erase removes them everywhere with one Query).
 */

export const TOPIC_ITEMS = 'TOPIC#';
export const SUBSCRIBER_ITEMS = 'TSUB#';
export const MEMBERSHIP_ITEMS = 'RTOP#';

const topicPartition = (tenantId: string) => `${TOPIC_ITEMS}${tenantId}`;
const subscriberPartition = (tenantId: string, key: string, shard: number) =>
  `${SUBSCRIBER_ITEMS}${tenantId}#${key}#${shard}`;
const membershipPartition = (tenantId: string, id: string) =>
  `${MEMBERSHIP_ITEMS}${tenantId}#${id}`;

export class DynamoTopicStore implements TopicStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putTopic(topic: Topic): Promise<{ created: boolean; topic: Topic }> {
    const answer = await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: topicPartition(topic.tenantId), sk: topic.key, ...topic },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return { created: !answer.Attributes, topic };
  }

  async getTopic(tenantId: string, key: string): Promise<Topic | undefined> {
    const answer = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: topicPartition(tenantId), sk: key },
        ConsistentRead: true,
      }),
    );
    return answer.Item ? toTopic(answer.Item) : undefined;
  }

  async listTopics(tenantId: string, options: { cursor?: string; limit: number }) {
    const answer = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': topicPartition(tenantId) },
        Limit: options.limit,
        ...(options.cursor !== undefined && {
          ExclusiveStartKey: { pk: topicPartition(tenantId), sk: decodeCursor(options.cursor).k },
        }),
      }),
    );
    const items = (answer.Items ?? []).map(toTopic);
    const last = answer.LastEvaluatedKey?.sk;
    const page: Page<Topic> = { items };
    if (typeof last === 'string') page.nextCursor = encodeCursor({ s: 0, k: last });
    return page;
  }

  async subscribe(tenantId: string, key: string, ids: readonly string[], now: string) {
    const items = ids.flatMap((id) => [
      { pk: subscriberPartition(tenantId, key, topicShardOf(id)), sk: id, subscribedAt: now },
      { pk: membershipPartition(tenantId, id), sk: key, subscribedAt: now },
    ]);
    await mapWithConcurrency(chunk(items, 25), 8, (batch) =>
      putBatch(this.db, this.tableName, batch),
    );
  }

  async unsubscribe(tenantId: string, key: string, id: string): Promise<boolean> {
    let existed = true;
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: subscriberPartition(tenantId, key, topicShardOf(id)), sk: id },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      existed = false;
    }
    // The membership goes after the subscription: a crash between leaves a membership naming
    // nothing (an erase deletes it later), never a subscription the erase cannot find.
    await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: membershipPartition(tenantId, id), sk: key },
      }),
    );
    return existed;
  }

  async subscribers(tenantId: string, key: string, options: { cursor?: string; limit: number }) {
    const start = options.cursor === undefined ? { s: 0, k: '' } : decodeCursor(options.cursor);
    if (start.s >= TOPIC_SHARDS) throw invalidCursor();
    const items: string[] = [];
    for (let shard = start.s; shard < TOPIC_SHARDS; shard++) {
      const pk = subscriberPartition(tenantId, key, shard);
      let after = shard === start.s && start.k !== '' ? start.k : undefined;
      for (;;) {
        const want = options.limit - items.length;
        const answer = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
            ProjectionExpression: 'sk',
            ConsistentRead: true,
            Limit: want,
            ...(after !== undefined && { ExclusiveStartKey: { pk, sk: after } }),
          }),
        );
        for (const item of answer.Items ?? []) items.push(String(item.sk));
        const last = answer.LastEvaluatedKey?.sk;
        after = typeof last === 'string' ? last : undefined;
        if (items.length >= options.limit) {
          const lastId = items[items.length - 1] as string;
          // Full page: resume after its last id (an empty next page ends the listing).
          if (after !== undefined)
            return { items, nextCursor: encodeCursor({ s: shard, k: lastId }) };
          return shard + 1 < TOPIC_SHARDS
            ? { items, nextCursor: encodeCursor({ s: shard + 1, k: '' }) }
            : { items };
        }
        if (after === undefined) break;
      }
    }
    return { items };
  }

  async topicsOf(tenantId: string, recipientId: string): Promise<string[]> {
    const answer = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': membershipPartition(tenantId, recipientId) },
        ProjectionExpression: 'sk',
      }),
    );
    return (answer.Items ?? []).map((item) => String(item.sk));
  }
}

function toTopic(item: Record<string, unknown>): Topic {
  const { pk: _pk, sk: _sk, ...topic } = item;
  return topic as unknown as Topic;
}

/** A list position as an opaque cursor (base64url JSON: shard and last sort key). */
export function encodeCursor(position: { s: number; k: string }): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** A cursor back to its position; 400 at `cursor` when it is not one a list gave out. */
export function decodeCursor(cursor: string): { s: number; k: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      s?: unknown;
      k?: unknown;
    };
    if (Number.isInteger(value.s) && (value.s as number) >= 0 && typeof value.k === 'string') {
      return value as { s: number; k: string };
    }
  } catch {
    // fall through
  }
  throw invalidCursor();
}

export function invalidCursor(): InvalidRequestError {
  return new InvalidRequestError([
    { path: 'cursor', message: 'is not a cursor this list gave out' },
  ]);
}
