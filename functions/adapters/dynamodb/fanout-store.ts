import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DeliveryRecord } from '../../core/notifications/model';
import type { FanoutState } from '../../core/topics/model';
import type { FanoutStore } from '../../core/topics/ports';
import { shardCountOf } from './delivery-shard-reads';
import { writeFanoutPage } from './fanout-page-write';
import {
  DELIVERY_PREFIX,
  notificationKey,
  RECONCILE_INDEX,
  shardPartition,
  toDelivery,
} from './items';
import { decodeCursor, encodeCursor, invalidCursor } from './topic-store';
import { isPagePosition, unclaimedPage } from './unclaimed-listing';

/*
 * A topic send's fan-out state is one item beside its notification: pk `NOTIF#<id>`, sk `FANOUT`
 * (the checkpoint: cursor, page, counts). While the fan-out is open (running, or cancelled with
 * leftovers to cancel) the item is on the `reconcile` index under its own partition
 * `FANOUT#OPEN`, sorted by the time it counts as stalled, so the reconciler finds a fan-out whose
 * checkpoint stopped moving with one Query; each checkpoint moves that time on.
 */

export const FANOUT_SK = 'FANOUT';
export const FANOUT_OPEN = 'FANOUT#OPEN';

const stallKey = (at: number, id: string) => `${new Date(at).toISOString()}#${id}`;

export class DynamoFanoutStore implements FanoutStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  #key(id: string) {
    return { pk: notificationKey(id), sk: FANOUT_SK };
  }

  async create(state: FanoutState, stallAt: number, expiresAt: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...this.#key(state.notificationId),
          ...state,
          rpk: FANOUT_OPEN,
          rsk: stallKey(stallAt, state.notificationId),
          expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(notificationId: string): Promise<FanoutState | undefined> {
    const answer = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: this.#key(notificationId),
        ConsistentRead: true,
      }),
    );
    return answer.Item ? toState(answer.Item) : undefined;
  }

  createDeliveries(deliveries: readonly DeliveryRecord[], expiresAt: number, page = 0) {
    return writeFanoutPage(this.db, this.tableName, deliveries, expiresAt, page);
  }

  async checkpoint(
    notificationId: string,
    page: number,
    next: { cursor?: string; done: boolean; stallAt: number; now: string },
    add: { total: number; enqueued: number; skipped: number },
  ): Promise<boolean> {
    const sets = ['#page = :next', 'updatedAt = :now'];
    const removes: string[] = [];
    const values: Record<string, unknown> = {
      ':page': page,
      ':next': page + 1,
      ':now': next.now,
      ':running': 'running',
      ':total': add.total,
      ':enqueued': add.enqueued,
      ':skipped': add.skipped,
    };
    if (next.cursor !== undefined) {
      sets.push('#cursor = :cursor');
      values[':cursor'] = next.cursor;
    } else removes.push('#cursor');
    if (next.done) {
      sets.push('#status = :done');
      values[':done'] = 'done';
      // Off the stalled list: nothing is left to do.
      removes.push('rpk', 'rsk');
    } else {
      sets.push('rsk = :rsk');
      values[':rsk'] = stallKey(next.stallAt, notificationId);
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.#key(notificationId),
          UpdateExpression: `SET ${sets.join(', ')} ADD #total :total, #enqueued :enqueued, #skipped :skipped${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: '#page = :page AND #status = :running',
          // DynamoDB reserves several of these names.
          ExpressionAttributeNames: {
            '#status': 'status',
            '#cursor': 'cursor',
            '#page': 'page',
            '#total': 'total',
            '#enqueued': 'enqueued',
            '#skipped': 'skipped',
          },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async cancel(notificationId: string, now: string): Promise<FanoutState | undefined> {
    try {
      const answer = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.#key(notificationId),
          UpdateExpression: 'SET #status = :cancelled, updatedAt = :now',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':cancelled': 'cancelled',
            ':running': 'running',
            ':now': now,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return answer.Attributes ? toState(answer.Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async settle(notificationId: string): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.#key(notificationId),
          UpdateExpression: 'REMOVE rpk, rsk',
          ConditionExpression: '#status = :cancelled',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':cancelled': 'cancelled' },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }

  async stalled(now: number, limit: number): Promise<string[]> {
    const answer = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: RECONCILE_INDEX,
        KeyConditionExpression: 'rpk = :open AND rsk <= :now',
        ExpressionAttributeValues: {
          ':open': FANOUT_OPEN,
          ':now': `${new Date(now).toISOString()}#~`,
        },
        Limit: limit,
      }),
    );
    return (answer.Items ?? []).map((item) => String(item.pk).slice(notificationKey('').length));
  }

  async deliveriesPage(notificationId: string, limit: number, cursor?: string) {
    const deliveries: DeliveryRecord[] = [];
    // Shard by shard (delivery-shard-reads.ts); the cursor is a shard and a sort key in it.
    const shards = await shardCountOf(this.db, this.tableName, notificationId);
    let position = { s: 0, k: '' };
    if (cursor !== undefined) {
      position = decodeCursor(cursor);
      const inPages = position.s === shards && isPagePosition(position.k);
      if (!inPages && (position.s >= shards || !position.k.startsWith(DELIVERY_PREFIX)))
        throw invalidCursor();
    }
    let last: { s: number; k: string } | undefined;
    let more = false;
    for (let shard = position.s; shard < shards && !more; shard++) {
      const pk = shardPartition(notificationId, shard);
      let start: Record<string, unknown> | undefined =
        shard === position.s && position.k !== '' ? { pk, sk: position.k } : undefined;
      do {
        if (deliveries.length >= limit) {
          more = true;
          break;
        }
        const answer = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :delivery)',
            ExpressionAttributeValues: { ':pk': pk, ':delivery': DELIVERY_PREFIX },
            Limit: limit - deliveries.length,
            ...(start && { ExclusiveStartKey: start }),
          }),
        );
        for (const item of answer.Items ?? []) {
          deliveries.push(toDelivery(notificationId, item));
          last = { s: shard, k: String(item.sk) };
        }
        start = answer.LastEvaluatedKey;
      } while (start);
      // A full page at the end of a shard: the shards after it may hold more.
      if (deliveries.length >= limit && shard < shards - 1) more = true;
    }
    // Then the deliveries not claimed yet: page entries with no item (unclaimed-listing.ts).
    if (!more && deliveries.length < limit) {
      const after = position.s === shards ? position.k : '';
      const rest = await unclaimedPage(
        this.db,
        this.tableName,
        notificationId,
        limit - deliveries.length,
        after,
      );
      deliveries.push(...rest.deliveries);
      if (rest.last) last = { s: shards, k: rest.last };
      more = rest.more;
    } else if (!more) more = true;
    // `more` may be true with an empty next page (a page ended exactly at the last delivery).
    return { deliveries, more, ...(more && last && { nextCursor: encodeCursor(last) }) };
  }

  async touch(notificationId: string, stallAt: number): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.#key(notificationId),
          UpdateExpression: 'SET rsk = :rsk',
          ConditionExpression: 'attribute_exists(rpk)',
          ExpressionAttributeValues: { ':rsk': stallKey(stallAt, notificationId) },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }
}

export function toState(item: Record<string, unknown>): FanoutState {
  const { pk: _pk, sk: _sk, rpk: _rpk, rsk: _rsk, expiresAt: _ttl, ...state } = item;
  return state as unknown as FanoutState;
}
