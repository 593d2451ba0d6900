import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

/** What the table keeps of an API key: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  keyId: string;
  tenantId: string;
  createdAt: string;
  revokedAt?: string;
  /**
   * Optional API Gateway API key value bound to the tenant's usage plan; the authorizer returns
   * it as usageIdentifierKey so API Gateway applies that plan's throttle and quota.
   */
  usagePlanKey?: string;
}

const KEY_PREFIX = 'hk_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key (shown once) and its id (safe to print and store). */
export function generateApiKey(): { key: string; keyId: string } {
  return { key: `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`, keyId: randomUUID() };
}

/** The key a request carries: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function keyFromHeaders(
  headers: Record<string, string | undefined> | null,
): string | undefined {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!value) continue;
    const lower = name.toLowerCase();
    if (lower === 'x-api-key') return value.trim() || undefined;
    if (lower === 'authorization') {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
      if (match?.[1]) return match[1];
    }
  }
  return undefined;
}

/** API keys in the Herald table (`APIKEY#<sha256>`), listed through GSI `gsi1`. */
export class ApiKeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(
    tenantId: string,
    options: { key?: string; usagePlanKey?: string; now?: number } = {},
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    const generated = generateApiKey();
    const key = options.key ?? generated.key;
    const record: ApiKeyRecord = {
      keyId: generated.keyId,
      tenantId,
      createdAt: new Date(options.now ?? Date.now()).toISOString(),
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
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :k',
          ExpressionAttributeValues: { ':k': 'APIKEY' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const { keyId, tenantId, createdAt, revokedAt } = item as ApiKeyRecord;
        records.push({ keyId, tenantId, createdAt, ...(revokedAt ? { revokedAt } : {}) });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
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
