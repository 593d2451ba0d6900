import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  RunRecord,
  RunStatus,
  StepRecord,
  WorkflowDefinition,
  WorkflowRecord,
  WorkflowVersion,
} from '../../core/workflows/model';
import type { WorkflowRepository } from '../../core/workflows/ports';
import { queryItems } from './query-items';

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
const runKey = (runId: string) => ({ pk: `WFRUN#${runId}`, sk: 'RUN' });
const strip = <T>(item: Record<string, unknown>): T => {
  const { pk: _pk, sk: _sk, expiresAt: _e, ...rest } = item;
  return rest as T;
};
const refused = (error: unknown) => error instanceof ConditionalCheckFailedException;

export class DynamoWorkflowStore implements WorkflowRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = 90,
  ) {}

  #expiresAt(): number {
    return Math.floor(Date.now() / 1000) + this.retentionDays * 86_400;
  }

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

  async createRun(run: RunRecord) {
    const expiresAt = this.#expiresAt();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...runKey(run.id), ...run, expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!refused(error)) throw error;
      const existing = await this.getRun(run.id);
      if (existing) return { created: false, run: existing };
      throw error;
    }
    const index = {
      pk: `WFRUNS#${run.tenantId}`,
      sk: `${run.createdAt}#${run.id}`,
      runId: run.id,
      workflowKey: run.workflowKey,
      recipientId: run.recipient.id,
      expiresAt,
    };
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: index }));
    if (run.cancellationKey !== undefined) {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `WFCANCEL#${run.tenantId}#${run.cancellationKey}`, sk: run.id, expiresAt },
        }),
      );
    }
    return { created: true, run };
  }

  async getRun(runId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true }),
    );
    return Item ? strip<RunRecord>(Item) : undefined;
  }

  async listRuns(
    tenantId: string,
    filter: { workflow?: string; recipient?: string; limit: number },
  ) {
    const ids: string[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `WFRUNS#${tenantId}` },
      ScanIndexForward: false,
    })) {
      if (filter.workflow !== undefined && item.workflowKey !== filter.workflow) continue;
      if (filter.recipient !== undefined && item.recipientId !== filter.recipient) continue;
      ids.push(String(item.runId));
      if (ids.length >= filter.limit) break;
    }
    const runs = await Promise.all(ids.map((id) => this.getRun(id)));
    return runs.filter((r): r is RunRecord => r !== undefined);
  }

  async runsByCancellationKey(tenantId: string, cancellationKey: string) {
    const ids: string[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `WFCANCEL#${tenantId}#${cancellationKey}` },
    })) {
      ids.push(String(item.sk));
    }
    return ids;
  }

  async recordStep(runId: string, step: StepRecord) {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(runId),
        UpdateExpression: 'SET steps.#id = :s, updatedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#id': step.id },
        ExpressionAttributeValues: { ':s': step, ':at': step.at },
      }),
    );
  }

  async finishRun(runId: string, status: RunStatus, reason?: string) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKey(runId),
          UpdateExpression: `SET #status = :s, updatedAt = :at${reason === undefined ? '' : ', reason = :r'}`,
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':s': status,
            ':running': 'running',
            ':at': new Date().toISOString(),
            ...(reason === undefined ? {} : { ':r': reason }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (refused(error)) return false;
      throw error;
    }
  }

  /** Removes a key-only marker item (waiters, leases). */
  async deleteMarker(pk: string, sk: string) {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk } }));
  }
}
