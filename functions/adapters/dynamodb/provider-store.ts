import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { TenantProviderChannel } from '../../core/providers/config';
import type { TenantProvider, Verification } from '../../core/providers/model';
import type { ProviderRepository } from '../../core/providers/ports';

/**
 * A tenant's provider records: `PROVIDERS#<tenantId>` / `<channel>#<name>`, a partition of their
 * own (not `TENANT#`, where webhook secrets live), so the channel functions may read providers
 * and nothing else of the tenant. No secret is ever on these items.
 */
export class ProviderStore implements ProviderRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(provider: TenantProvider): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...key(provider.tenantId, provider.channel, provider.name), ...provider },
      }),
    );
  }

  async get(
    tenantId: string,
    channel: TenantProviderChannel,
    name: string,
  ): Promise<TenantProvider | undefined> {
    const answer = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key(tenantId, channel, name),
        ConsistentRead: true,
      }),
    );
    return answer.Item ? toProvider(answer.Item) : undefined;
  }

  async list(tenantId: string, channel?: TenantProviderChannel): Promise<TenantProvider[]> {
    const items: TenantProvider[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const answer = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: channel ? 'pk = :pk AND begins_with(sk, :channel)' : 'pk = :pk',
          ExpressionAttributeValues: {
            ':pk': partition(tenantId),
            ...(channel && { ':channel': `${channel}#` }),
          },
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      items.push(...(answer.Items ?? []).map(toProvider));
      start = answer.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  }

  async remove(tenantId: string, channel: TenantProviderChannel, name: string): Promise<boolean> {
    const answer = await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: key(tenantId, channel, name),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return answer.Attributes !== undefined;
  }

  async setVerification(
    tenantId: string,
    channel: TenantProviderChannel,
    name: string,
    verification: Verification,
  ): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(tenantId, channel, name),
          UpdateExpression: 'SET verification = :v',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':v': verification },
        }),
      )
      .catch((error: unknown) => {
        // Removed while it was being verified: nothing to keep the answer on.
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      });
  }
}

const partition = (tenantId: string) => `PROVIDERS#${tenantId}`;
const key = (tenantId: string, channel: string, name: string) => ({
  pk: partition(tenantId),
  sk: `${channel}#${name}`,
});

function toProvider(item: Record<string, unknown>): TenantProvider {
  const { pk: _pk, sk: _sk, ...provider } = item;
  return provider as unknown as TenantProvider;
}
