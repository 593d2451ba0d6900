import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { GateStore } from '../../core/workflows/gates';
import { queryItems } from './query-items';

/*
 *   WFDIGEST#<digestId>    LEADER               the run that sends the open window's digest, its end
 *   WFDIGEST#<digestId>    EVT#<leader>#<runId> one collected trigger each, under its window's leader
 *   WFTHROTTLE#<throttleId> COUNT       the set of runs let through in the window
 * Items expire a day after their window (the retention attribute).
 */
export class DynamoGateStore implements GateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  #expiresAt() {
    return Math.floor(Date.now() / 1000) + 400 * 86_400;
  }

  async joinDigest(
    digestId: string,
    runId: string,
    data: Record<string, unknown>,
    window: { end: number; now: number; opensFor?: number },
  ) {
    const pk = `WFDIGEST#${digestId}`;
    const expiresAt = this.#expiresAt();
    let leader: string;
    let end: number;
    try {
      // First in (or first after the last window closed): this run leads the new window.
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk, sk: 'LEADER', runId, end: window.end, expiresAt },
          ConditionExpression: 'attribute_not_exists(pk) OR (#end < :now AND :sliding = :yes)',
          ExpressionAttributeNames: { '#end': 'end' },
          ExpressionAttributeValues: {
            ':now': window.now,
            ':sliding': window.opensFor !== undefined,
            ':yes': true,
          },
        }),
      );
      leader = runId;
      end = window.end;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk, sk: 'LEADER' },
          ConsistentRead: true,
        }),
      );
      leader = String(Item?.runId);
      end = Number(Item?.end);
    }
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk, sk: `EVT#${leader}#${runId}`, runId, data, expiresAt },
      }),
    );
    return { leader, end };
  }

  async digestEvents(digestId: string, leader: string) {
    const events: { runId: string; data: Record<string, unknown> }[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :evt)',
      ExpressionAttributeValues: { ':pk': `WFDIGEST#${digestId}`, ':evt': `EVT#${leader}#` },
      ConsistentRead: true,
    })) {
      events.push({
        runId: String(item.runId),
        data: (item.data ?? {}) as Record<string, unknown>,
      });
    }
    return events;
  }

  async admit(throttleId: string, runId: string, limit: number) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `WFTHROTTLE#${throttleId}`, sk: 'COUNT' },
          UpdateExpression: 'ADD runs :run SET expiresAt = :e',
          // A retried step finds its own run in the set: counted once.
          ConditionExpression:
            'attribute_not_exists(runs) OR size(runs) < :limit OR contains(runs, :id)',
          ExpressionAttributeValues: {
            ':run': new Set([runId]),
            ':id': runId,
            ':limit': limit,
            ':e': this.#expiresAt(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
