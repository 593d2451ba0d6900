import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { TopicTriggerState, TopicTriggerStore } from '../../core/workflows/topic-trigger';
import { queryItems } from './query-items';

/*
 * Triggers to a topic in Herald's table:
 *   WFTRIG#<triggerId>                        STATE          the checkpoint (cursor, page, counts)
 *   WFTRIGKEY#<tenant>#<cancellationKey>      <triggerId>    triggers to cancel together
 * They expire with the runs (the notifications' retention).
 */

export const TRIGGER_ITEMS = 'WFTRIG#';
export const TRIGGER_KEY_ITEMS = 'WFTRIGKEY#';

const stateKey = (id: string) => ({ pk: `${TRIGGER_ITEMS}${id}`, sk: 'STATE' });
const refused = (error: unknown) => error instanceof ConditionalCheckFailedException;

export class DynamoTopicTriggerStore implements TopicTriggerStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = 90,
  ) {}

  async create(state: TopicTriggerState) {
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
          Item: { ...stateKey(state.id), ...state, expiresAt },
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
    const { pk: _pk, sk: _sk, expiresAt: _e, ...state } = Item;
    return state as TopicTriggerState;
  }

  async checkpoint(
    triggerId: string,
    page: number,
    next: { cursor?: string; done: boolean; now: string },
    add: { subscribers: number; started: number },
  ) {
    const sets = ['#page = :next', 'updatedAt = :now', '#status = :status'];
    if (next.cursor !== undefined) sets.push('#cursor = :cursor');
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(triggerId),
          UpdateExpression: `SET ${sets.join(', ')} ADD #subscribers :subscribers, #started :started`,
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
            UpdateExpression: 'SET #status = :cancelled, updatedAt = :now',
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
}
