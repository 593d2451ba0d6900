import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { chunk, mapWithConcurrency } from '../../core/shared/concurrency';
import type { RunRecord, RunStatus, StepRecord, WaitStatus } from '../../core/workflows/model';
import { putBatch } from './batch-write';
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
const _tenantKey = (tenantId: string) => `WF#${tenantId}`;
const _versionKey = (key: string, version: number) =>
  `VER#${key}#${String(version).padStart(6, '0')}`;
const runKey = (runId: string) => ({ pk: `WFRUN#${runId}`, sk: 'RUN' });
const strip = <T>(item: Record<string, unknown>): T => {
  const { pk: _pk, sk: _sk, expiresAt: _e, ...rest } = item;
  return rest as T;
};
const refused = (error: unknown) => error instanceof ConditionalCheckFailedException;

/** A run's listing entry and, with a cancellationKey, its entry under the key. */
function indexEntries(run: RunRecord, expiresAt: number): Record<string, unknown>[] {
  return [
    {
      pk: `WFRUNS#${run.tenantId}`,
      sk: `${run.createdAt}#${run.id}`,
      runId: run.id,
      workflowKey: run.workflowKey,
      recipientId: run.recipient.id,
      expiresAt,
    },
    ...(run.cancellationKey === undefined
      ? []
      : [{ pk: `WFCANCEL#${run.tenantId}#${run.cancellationKey}`, sk: run.id, expiresAt }]),
  ];
}

/** Runs, their index entries, waits and the send lease (DynamoWorkflowStore adds definitions). */
export class DynamoWorkflowRuns {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
    private readonly retentionDays = 90,
  ) {}

  protected expiresAt(): number {
    return Math.floor(Date.now() / 1000) + this.retentionDays * 86_400;
  }

  /** One run: as createRuns (its index entries in one BatchWriteItem). */
  async createRun(run: RunRecord) {
    const [found] = await this.createRuns([run]);
    if (!found) throw new Error(`run ${run.id} was not created`);
    return found;
  }

  /**
   * Many runs at once (a trigger): each run by its own conditional put (a run found is left as
   * it is), then every index entry in BatchWriteItems of 25: two requests per run become one
   * and 1/25. Entries are written for found runs too: a create that died between the run and
   * its entries leaves no run unlisted or out of reach of its cancellationKey.
   */
  async createRuns(runs: readonly RunRecord[]) {
    const expiresAt = this.expiresAt();
    const found = await mapWithConcurrency(runs, 32, async (run) => {
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...runKey(run.id), ...run, expiresAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { created: true, run };
      } catch (error) {
        if (!refused(error)) throw error;
        const existing = await this.getRun(run.id);
        if (!existing) throw error;
        return { created: false, run: existing };
      }
    });
    const entries = found.flatMap(({ run }) => indexEntries(run, expiresAt));
    await mapWithConcurrency(chunk(entries, 25), 8, (batch) =>
      putBatch(this.db, this.tableName, batch),
    );
    return found;
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
      // Strongly consistent: a run a trigger page created just before a cancel must be found.
      ConsistentRead: true,
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

  /** Marks a send in progress unless the run is no longer running (false then). */
  async beginSend(runId: string, stepId: string) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKey(runId),
          UpdateExpression: 'SET sending = :step',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':step': stepId, ':running': 'running' },
        }),
      );
      return true;
    } catch (error) {
      if (refused(error)) return false;
      throw error;
    }
  }

  async endSend(runId: string) {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(runId),
        UpdateExpression: 'REMOVE sending',
      }),
    );
  }

  /** Cancels a running run unless a send is in progress (`busy`: try again shortly). */
  async cancelRun(runId: string): Promise<'cancelled' | 'busy' | 'notRunning'> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKey(runId),
          UpdateExpression: 'SET #status = :c, updatedAt = :at, reason = :r',
          ConditionExpression: '#status = :running AND attribute_not_exists(sending)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':c': 'cancelled',
            ':running': 'running',
            ':at': new Date().toISOString(),
            ':r': 'cancelled by request',
          },
        }),
      );
      return 'cancelled';
    } catch (error) {
      if (!refused(error)) throw error;
      const run = await this.getRun(runId);
      return run?.status === 'running' ? 'busy' : 'notRunning';
    }
  }

  async putWaiter(waiter: Waiter) {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `WFWAIT#${waiter.runId}`,
          sk: waiter.sendStep,
          ...waiter,
          expiresAt: this.expiresAt(),
        },
      }),
    );
  }

  async waiters(runId: string, sendStep?: string): Promise<Waiter[]> {
    const found: Waiter[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: sendStep === undefined ? 'pk = :pk' : 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: {
        ':pk': `WFWAIT#${runId}`,
        ...(sendStep !== undefined && { ':sk': sendStep }),
      },
    })) {
      found.push(strip<Waiter>(item));
    }
    return found;
  }

  async deleteWaiter(runId: string, sendStep: string) {
    await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: `WFWAIT#${runId}`, sk: sendStep },
      }),
    );
  }
}

/** A run waiting for a send step's deliveries: which callback completes it, on what. */
export interface Waiter {
  runId: string;
  tenantId: string;
  sendStep: string;
  waitStep: string;
  status: WaitStatus;
  notificationId: string;
  callbackId: string;
}
