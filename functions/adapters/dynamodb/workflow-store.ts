import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  WorkflowDefinition,
  WorkflowRecord,
  WorkflowVersion,
} from '../../core/workflows/model';
import type { WorkflowRepository } from '../../core/workflows/ports';
import { queryItems } from './query-items';
import { DynamoWorkflowRuns } from './workflow-run-store';

export type { Waiter } from './workflow-run-store';

/*
 * Workflows in Herald's table:
 *   WF#<tenant>        DEF#<key>                 the draft and latestVersion
 *   WF#<tenant>        VER#<key>#<000001>        a published version (written once)
 *   WFRUN#<runId>      RUN                       a run, its step log (a map by step id)
 *   WFRUNS#<tenant>    <createdAt>#<runId>       the tenant's runs, newest last (listing)
 *   WFCANCEL#<tenant>#<cancellationKey>  <runId> runs to cancel together
 * Runs and their index entries expire with the notifications' retention.
 */
const tenantKey = (tenantId: string) => `WF#${tenantId}`;
const versionKey = (key: string, version: number) =>
  `VER#${key}#${String(version).padStart(6, '0')}`;
const strip = <T>(item: Record<string, unknown>): T => {
  const { pk: _pk, sk: _sk, expiresAt: _e, ...rest } = item;
  return rest as T;
};
const refused = (error: unknown) => error instanceof ConditionalCheckFailedException;

export class DynamoWorkflowStore extends DynamoWorkflowRuns implements WorkflowRepository {
  async putDraft(tenantId: string, key: string, draft: WorkflowDefinition, at: string) {
    const answer = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: tenantKey(tenantId), sk: `DEF#${key}` },
        UpdateExpression: 'SET tenantId = :t, #key = :k, draft = :d, updatedAt = :at',
        ExpressionAttributeNames: { '#key': 'key' },
        ExpressionAttributeValues: { ':t': tenantId, ':k': key, ':d': draft, ':at': at },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return strip<WorkflowRecord>(answer.Attributes ?? {});
  }

  async getWorkflow(tenantId: string, key: string) {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: tenantKey(tenantId), sk: `DEF#${key}` },
        ConsistentRead: true,
      }),
    );
    return Item ? strip<WorkflowRecord>(Item) : undefined;
  }

  async listWorkflows(tenantId: string) {
    const items: WorkflowRecord[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': tenantKey(tenantId), ':p': 'DEF#' },
    })) {
      items.push(strip<WorkflowRecord>(item));
    }
    return items;
  }

  async putVersion(version: WorkflowVersion) {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: tenantKey(version.tenantId),
            sk: versionKey(version.key, version.version),
            ...version,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (refused(error)) return false;
      throw error;
    }
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: tenantKey(version.tenantId), sk: `DEF#${version.key}` },
          UpdateExpression: 'SET latestVersion = :v',
          ConditionExpression: 'attribute_not_exists(latestVersion) OR latestVersion < :v',
          ExpressionAttributeValues: { ':v': version.version },
        }),
      )
      .catch((error: unknown) => {
        if (!refused(error)) throw error;
      });
    return true;
  }

  async getVersion(tenantId: string, key: string, version: number) {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: tenantKey(tenantId), sk: versionKey(key, version) },
      }),
    );
    return Item ? strip<WorkflowVersion>(Item) : undefined;
  }
}
