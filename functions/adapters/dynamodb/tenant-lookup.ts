import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { ByteBoundedCache } from './content-cache';
import { META, notificationKey } from './items';

// A notification's tenant never changes: one key-only read per notification per container.
const tenants = new ByteBoundedCache<string>(256 * 1024);

/** The tenant of notification `id`, or undefined when there is no such notification. */
export async function tenantOfNotification(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
): Promise<string | undefined> {
  const cacheKey = `${tableName}/${id}`;
  const cached = tenants.get(cacheKey);
  if (cached !== undefined) return cached;
  const answer = await db.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: notificationKey(id), sk: META },
      ProjectionExpression: 'tenantId',
      // Strongly consistent: right after ingest (a topic send's first fan-out page) an eventually
      // consistent miss would read as "no such notification". Only misses of the cache get here.
      ConsistentRead: true,
    }),
  );
  const tenant = answer.Item?.tenantId;
  if (typeof tenant !== 'string') return undefined;
  tenants.set(cacheKey, tenant, cacheKey.length + tenant.length + 64);
  return tenant;
}
