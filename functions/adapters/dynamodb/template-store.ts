import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { TemplateContent, TemplateHead, TemplateVersion } from '../../core/templates/model';
import type { TemplateRepository } from '../../core/templates/ports';

/*
 * A tenant's templates: partition `TEMPLATE#<tenantId>`, one small head item per key (what a send
 * reads, and what the list pages through); partition `TEMPLATE#<tenantId>#<key>` holds the draft
 * (`DRAFT`), the versions (`V#<10 digits>`, up to ~350 KB each) and their summaries (`S#<10 digits>`,
 * what a version list reads: a Query is billed by the items it reads, not by what it projects). Content is kept as a JSON string:
 * locale tags and data-schema property names are free keys, and a map attribute would hand names
 * such as `constructor` to the marshaller. Keys cannot hold `#`, so partitions never overlap.
 */
export const templatesPartition = (tenantId: string) => `TEMPLATE#${tenantId}`;
const templatePartition = (tenantId: string, key: string) => `TEMPLATE#${tenantId}#${key}`;
const DRAFT = 'DRAFT';
const versionKey = (n: number) => `V#${String(n).padStart(10, '0')}`;
/** A version's summary (who, when, note): listing versions reads these small items only. */
const summaryKey = (n: number) => `S#${String(n).padStart(10, '0')}`;

const HEAD_FIELDS = [
  'description',
  'defaultLocale',
  'locales',
  'channels',
  'createdAt',
  'updatedAt',
  'updatedBy',
  'latestVersion',
  'archivedAt',
] as const;

function toHead(item: Record<string, unknown>): TemplateHead {
  const head = { tenantId: item.tenantId, key: item.sk } as Record<string, unknown>;
  for (const field of HEAD_FIELDS) if (item[field] !== undefined) head[field] = item[field];
  return head as unknown as TemplateHead;
}

function toVersion(item: Record<string, unknown>): TemplateVersion {
  const content = JSON.parse(String(item.content)) as TemplateContent;
  return {
    ...content,
    tenantId: String(item.tenantId),
    key: String(item.key),
    version: Number(item.version),
    publishedAt: String(item.publishedAt),
    publishedBy: String(item.publishedBy),
    ...(item.note !== undefined && { note: String(item.note) }),
  };
}

const encodeCursor = (sk: string) => Buffer.from(sk, 'utf8').toString('base64url');
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');

/** TemplateRepository in Herald's table. */
export class DynamoTemplateStore implements TemplateRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async head(tenantId: string, key: string): Promise<TemplateHead | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: templatesPartition(tenantId), sk: key },
        // A publish must be seen by the next send that does not pin a version.
        ConsistentRead: true,
      }),
    );
    return Item ? toHead(Item) : undefined;
  }

  async draft(tenantId: string, key: string): Promise<TemplateContent | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: templatePartition(tenantId, key), sk: DRAFT },
        ConsistentRead: true,
      }),
    );
    return Item ? (JSON.parse(String(Item.content)) as TemplateContent) : undefined;
  }

  async saveDraft(
    head: Omit<TemplateHead, 'latestVersion' | 'createdAt' | 'archivedAt'>,
    draft: TemplateContent,
  ): Promise<TemplateHead> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: templatePartition(head.tenantId, head.key),
          sk: DRAFT,
          content: JSON.stringify(draft),
          updatedAt: head.updatedAt,
        },
      }),
    );
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: templatesPartition(head.tenantId), sk: head.key },
        UpdateExpression: `SET tenantId = :tenant, defaultLocale = :dl, locales = :locales, channels = :channels, updatedAt = :at, updatedBy = :by, createdAt = if_not_exists(createdAt, :at), latestVersion = if_not_exists(latestVersion, :zero)${
          head.description === undefined ? '' : ', description = :description'
        } REMOVE archivedAt${head.description === undefined ? ', description' : ''}`,
        ExpressionAttributeValues: {
          ':tenant': head.tenantId,
          ':dl': head.defaultLocale,
          ':locales': head.locales,
          ':channels': head.channels,
          ':at': head.updatedAt,
          ':by': head.updatedBy,
          ':zero': 0,
          ...(head.description !== undefined && { ':description': head.description }),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toHead(Attributes ?? {});
  }

  async list(tenantId: string, limit: number, cursor?: string) {
    const answer = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': templatesPartition(tenantId) },
        Limit: limit,
        ...(cursor !== undefined && {
          ExclusiveStartKey: { pk: templatesPartition(tenantId), sk: decodeCursor(cursor) },
        }),
      }),
    );
    const items = (answer.Items ?? []).map(toHead);
    const last = answer.LastEvaluatedKey?.sk;
    return typeof last === 'string' ? { items, nextCursor: encodeCursor(last) } : { items };
  }

  async publish(version: TemplateVersion): Promise<boolean> {
    const { tenantId, key, version: n, publishedAt, publishedBy, note, ...content } = version;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: templatePartition(tenantId, key),
            sk: versionKey(n),
            tenantId,
            key,
            version: n,
            publishedAt,
            publishedBy,
            ...(note !== undefined && { note }),
            content: JSON.stringify(content),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: templatePartition(tenantId, key),
          sk: summaryKey(n),
          version: n,
          publishedAt,
          publishedBy,
          ...(note !== undefined && { note }),
        },
      }),
    );
    // The version item is the truth; the head's number only moves up (a lost write here is
    // repaired by the next publish, which finds the number taken and reads the newest).
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: templatesPartition(tenantId), sk: key },
          UpdateExpression: 'SET latestVersion = :n',
          ConditionExpression: 'attribute_exists(pk) AND latestVersion < :n',
          ExpressionAttributeValues: { ':n': n },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    return true;
  }

  async getVersion(tenantId: string, key: string, n: number) {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: templatePartition(tenantId, key), sk: versionKey(n) },
        ConsistentRead: true,
      }),
    );
    return Item ? toVersion(Item) : undefined;
  }

  async listVersions(tenantId: string, key: string) {
    const answer = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':pk': templatePartition(tenantId, key), ':s': 'S#' },
        ScanIndexForward: false,
        Limit: 100,
      }),
    );
    return (answer.Items ?? []).map((item) => ({
      version: Number(item.version),
      publishedAt: String(item.publishedAt),
      publishedBy: String(item.publishedBy),
      ...(item.note !== undefined && { note: String(item.note) }),
    }));
  }

  async archive(tenantId: string, key: string, at: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: templatesPartition(tenantId), sk: key },
          UpdateExpression: 'SET archivedAt = if_not_exists(archivedAt, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
