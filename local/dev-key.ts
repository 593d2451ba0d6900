import { createHash, randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

/** The API key item, as docs/architecture.md describes it. Only the key's hash is stored. */
export interface ApiKeyItem {
  pk: `APIKEY#${string}`;
  sk: 'APIKEY';
  keyId: string;
  tenantId: string;
  createdAt: string;
  gsi1pk: 'APIKEY';
  gsi1sk: string;
}

/** SHA-256 hex of the raw key: what the authorizer looks up. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** A new random key; 32 bytes of entropy, URL-safe so it pastes into curl unquoted. */
export function generateApiKey(prefix = 'hk_'): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** Build the item for `apiKey` (pure, so the keys CLI can show it before writing). */
export function apiKeyItem(
  apiKey: string,
  tenantId: string,
  keyId = `key_${randomBytes(8).toString('hex')}`,
  now = new Date(),
): ApiKeyItem {
  return {
    pk: `APIKEY#${hashApiKey(apiKey)}`,
    sk: 'APIKEY',
    keyId,
    tenantId,
    createdAt: now.toISOString(),
    gsi1pk: 'APIKEY',
    gsi1sk: keyId,
  };
}

/**
 * Store an API key for `tenantId`. Refuses to overwrite an existing item with the same hash,
 * so a retried call cannot silently re-activate a revoked key.
 */
export async function putApiKey(
  doc: DynamoDBDocumentClient,
  tableName: string,
  apiKey: string,
  tenantId: string,
): Promise<ApiKeyItem> {
  const item = apiKeyItem(apiKey, tenantId);
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: item,
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return item;
}
