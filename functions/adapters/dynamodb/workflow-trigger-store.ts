import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { TopicTriggerState, TopicTriggerStore } from '../../core/workflows/topic-trigger';
import { RECONCILE_INDEX } from './items';
import { queryItems } from './query-items';

/*
 * Triggers to a topic in Herald's table:
 *   WFTRIG#<triggerId>                        STATE          the checkpoint (cursor, page, counts)
 *   WFTRIGKEY#<tenant>#<cancellationKey>      <triggerId>    triggers to cancel together
 * They expire with the runs (the notifications' retention). While running, the state is on the
 * `reconcile` index under `WFTRIG#OPEN`, sorted by the time it counts as stalled (each checkpoint
 * moves it on; done or cancelled takes it off), so the reconciler finds a stalled one by a Query.
 */

export const TRIGGER_ITEMS = 'WFTRIG#';
export const TRIGGER_KEY_ITEMS = 'WFTRIGKEY#';
export const TRIGGER_OPEN = 'WFTRIG#OPEN';

const stallKey = (at: number, id: string) => `${new Date(at).toISOString()}#${id}`;

const stateKey = (id: string) => ({ pk: `${TRIGGER_ITEMS}${id}`, sk: 'STATE' });
const refused = (error: unknown) => error instanceof ConditionalCheckFailedException;

export class DynamoTopicTriggerStore implements TopicTriggerStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = 90,
  ) {}

  async create(state: TopicTriggerState, stallAt: number) {
    const expiresAt = Math.floor(Date.now() / 1000) + this.retentionDays * 86_400;
    // The cancel index first: a trigger is never running without being reachable by its key.
    if (state.cancellationKey !== undefined) {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: `${TRIGGER_KEY_ITEMS}${state.tenantId}#${state.cancellationKey}`,
            sk: state.id,
            expiresAt,
          },
        }),
      );
    }
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...stateKey(state.id),
            ...state,
            rpk: TRIGGER_OPEN,
            rsk: stallKey(stallAt, state.id),
            expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, state };
    } catch (error) {
      if (!refused(error)) throw error;
      const existing = await this.get(state.id);
      if (!existing) throw error;
      return { created: false, state: existing };
    }
  }

  async get(triggerId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: stateKey(triggerId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, rpk: _rpk, rsk: _rsk, expiresAt: _e, ...state } = Item;
    return state as TopicTriggerState;
  }

  async checkpoint(
    triggerId: string,
    page: number,
    next: { cursor?: string; done: boolean; now: string; stallAt: number },
    add: { subscribers: number; started: number },
  ) {
    const sets = ['#page = :next', 'updatedAt = :now', '#status = :status'];
    if (next.cursor !== undefined) sets.push('#cursor = :cursor');
    if (!next.done) sets.push('rsk = :rsk');
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(triggerId),
          UpdateExpression: `SET ${sets.join(', ')} ADD #subscribers :subscribers, #started :started${next.done ? ' REMOVE rpk, rsk' : ''}`,
          ConditionExpression: '#page = :page AND #status = :running',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#page': 'page',
            '#subscribers': 'subscribers',
            '#started': 'started',
            ...(next.cursor !== undefined && { '#cursor': 'cursor' }),
          },
          ExpressionAttributeValues: {
            ':page': page,
            ':next': page + 1,
            ':now': next.now,
            ':running': 'running',
            ':status': next.done ? 'done' : 'running',
            ':subscribers': add.subscribers,
            ':started': add.started,
            ...(next.cursor !== undefined && { ':cursor': next.cursor }),
            ...(!next.done && { ':rsk': stallKey(next.stallAt, triggerId) }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (refused(error)) return false;
      throw error;
    }
  }

  async cancelByKey(tenantId: string, cancellationKey: string, now: string) {
    const cancelled: string[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `${TRIGGER_KEY_ITEMS}${tenantId}#${cancellationKey}` },
      ConsistentRead: true,
    })) {
      const id = String(item.sk);
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: stateKey(id),
            UpdateExpression: 'SET #status = :cancelled, updatedAt = :now REMOVE rpk, rsk',
            ConditionExpression: '#status = :running AND tenantId = :tenant',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':cancelled': 'cancelled',
              ':running': 'running',
              ':tenant': tenantId,
              ':now': now,
            },
          }),
        );
        cancelled.push(id);
      } catch (error) {
        if (!refused(error)) throw error;
      }
    }
    return cancelled;
  }

  async stalled(now: number, limit: number) {
    const answer = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: RECONCILE_INDEX,
        KeyConditionExpression: 'rpk = :open AND rsk <= :now',
        ExpressionAttributeValues: {
          ':open': TRIGGER_OPEN,
          ':now': `${new Date(now).toISOString()}#~`,
        },
        Limit: limit,
      }),
    );
    return (answer.Items ?? []).map((item) => String(item.pk).slice(TRIGGER_ITEMS.length));
  }

  async touch(triggerId: string, stallAt: number) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(triggerId),
          UpdateExpression: 'SET rsk = :rsk',
          ConditionExpression: 'attribute_exists(rpk)',
          ExpressionAttributeValues: { ':rsk': stallKey(stallAt, triggerId) },
        }),
      );
    } catch (error) {
      if (!refused(error)) throw error;
    }
  }
}
