import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type ApiKeyRecord,
  DEFAULT_SCOPES,
  generateApiKey,
  hashApiKey,
  type Scope,
} from '../../core/access/api-keys';
import { queryItems } from './query-items';

/** API keys in the Herald table (`APIKEY#<sha256>`), listed through GSI `gsi1`. */
export class ApiKeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(
    tenantId: string,
    options: { key?: string; usagePlanKey?: string; scopes?: readonly Scope[]; now?: number } = {},
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    const generated = generateApiKey();
    const key = options.key ?? generated.key;
    const record: ApiKeyRecord = {
      keyId: generated.keyId,
      tenantId,
      createdAt: new Date(options.now ?? Date.now()).toISOString(),
      scopes: [...(options.scopes ?? DEFAULT_SCOPES)],
      ...(options.usagePlanKey ? { usagePlanKey: options.usagePlanKey } : {}),
    };
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `APIKEY#${hashApiKey(key)}`,
          sk: 'APIKEY',
          gsi1pk: 'APIKEY',
          gsi1sk: record.keyId,
          ...record,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { key, record };
  }

  /** The live (not revoked) record for a presented key, or undefined. */
  async verify(key: string): Promise<ApiKeyRecord | undefined> {
    const answer = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `APIKEY#${hashApiKey(key)}`, sk: 'APIKEY' },
      }),
    );
    const item = answer.Item as (ApiKeyRecord & Record<string, unknown>) | undefined;
    if (!item || item.revokedAt) return undefined;
    return item;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const records: ApiKeyRecord[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :k',
      ExpressionAttributeValues: { ':k': 'APIKEY' },
    })) {
      const { keyId, tenantId, createdAt, revokedAt, scopes, usagePlanKey } =
        item as unknown as ApiKeyRecord;
      records.push({
        keyId,
        tenantId,
        createdAt,
        ...(revokedAt ? { revokedAt } : {}),
        ...(scopes ? { scopes } : {}),
        ...(usagePlanKey ? { usagePlanKey } : {}),
      });
    }
    return records;
  }

  /** Marks a key revoked; false when no key has that id. */
  async revoke(keyId: string, now = Date.now()): Promise<boolean> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :k AND gsi1sk = :id',
        ExpressionAttributeValues: { ':k': 'APIKEY', ':id': keyId },
      }),
    );
    const item = page.Items?.[0];
    if (!item) return false;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: item.pk, sk: 'APIKEY' },
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
        ExpressionAttributeValues: { ':now': new Date(now).toISOString() },
      }),
    );
    return true;
  }
}
