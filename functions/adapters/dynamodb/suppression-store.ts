import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SuppressionList } from '../../core/delivery/report-ports';
import type { Channel } from '../../core/notifications/model';
import { chunk } from '../../core/shared/concurrency';
import { InvalidRequestError } from '../../core/shared/errors';
import {
  normalizeRecipient,
  type SuppressionEntry,
  type SuppressionReason,
  suppressionKey,
} from '../../core/suppressions/model';

/*
 * A tenant's suppression list is one partition, `SUPP#<tenantId>`, one item per
 * `<channel>#<normalized recipient>`: a lookup is a key read, a channel's list a key-range query,
 * and nothing of another tenant is ever in the partition a request reads.
 */
export const suppressionPartition = (tenantId: string) => `SUPP#${tenantId}`;
/** BatchGetItem takes 100 keys per call. */
const BATCH_GET = 100;
const UNPROCESSED_RETRIES = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The suppression list in Herald's table. */
export class SuppressionStore implements SuppressionList {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** One BatchGetItem per 100 distinct recipients (key-only projection). */
  async findSuppressed(
    tenantId: string,
    recipients: readonly { channel: Channel; recipient: string }[],
  ): Promise<Set<string>> {
    const pk = suppressionPartition(tenantId);
    const keys = [...new Set(recipients.map((r) => suppressionKey(r.channel, r.recipient)))];
    const found = new Set<string>();
    for (const batch of chunk(keys, BATCH_GET)) {
      let pending: Record<string, unknown>[] = batch.map((sk) => ({ pk, sk }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > UNPROCESSED_RETRIES) {
          throw new Error(`DynamoDB left ${pending.length} suppression keys unprocessed`);
        }
        if (attempt > 0) await sleep(25 * 2 ** attempt);
        const answer = await this.db.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ProjectionExpression: 'sk',
              },
            },
          }),
        );
        for (const item of answer.Responses?.[this.tableName] ?? []) found.add(String(item.sk));
        pending = (answer.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof pending;
      }
    }
    return found;
  }

  async add(entry: SuppressionEntry): Promise<boolean> {
    const recipient = normalizeRecipient(entry.channel, entry.recipient);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: suppressionPartition(entry.tenantId),
            sk: suppressionKey(entry.channel, recipient),
            channel: entry.channel,
            recipient,
            reason: entry.reason,
            source: entry.source,
            createdAt: entry.createdAt,
          },
          // The first entry stays: a duplicated bounce must not rewrite its reason or time.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async remove(tenantId: string, channel: Channel, recipient: string): Promise<boolean> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: suppressionPartition(tenantId), sk: suppressionKey(channel, recipient) },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async list(
    tenantId: string,
    options: { channel?: Channel; cursor?: string; limit: number },
  ): Promise<{ items: SuppressionEntry[]; nextCursor?: string }> {
    const pk = suppressionPartition(tenantId);
    const values: Record<string, unknown> = { ':pk': pk };
    let condition = 'pk = :pk';
    if (options.channel) {
      condition += ' AND begins_with(sk, :prefix)';
      values[':prefix'] = `${options.channel}#`;
    }
    const startSk = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    if (startSk !== undefined && options.channel && !startSk.startsWith(`${options.channel}#`)) {
      throw invalidCursor();
    }
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        Limit: options.limit,
        ...(startSk !== undefined && { ExclusiveStartKey: { pk, sk: startSk } }),
      }),
    );
    const items = (page.Items ?? []).map(
      (item): SuppressionEntry => ({
        tenantId,
        channel: item.channel as Channel,
        recipient: String(item.recipient),
        reason: item.reason as SuppressionReason,
        source: String(item.source),
        createdAt: String(item.createdAt),
      }),
    );
    const last = page.LastEvaluatedKey?.sk;
    return typeof last === 'string' ? { items, nextCursor: encodeCursor(last) } : { items };
  }
}

const CURSOR_PREFIX = 's1:';

function encodeCursor(sk: string): string {
  return Buffer.from(`${CURSOR_PREFIX}${sk}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(CURSOR_PREFIX) || text.length === CURSOR_PREFIX.length)
    throw invalidCursor();
  return text.slice(CURSOR_PREFIX.length);
}

function invalidCursor(): InvalidRequestError {
  return new InvalidRequestError([
    { path: 'cursor', message: 'is not a cursor this list gave out' },
  ]);
}
