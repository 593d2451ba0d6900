import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  SlackAllowList,
  SlackAllowListRepository,
} from '../../core/providers/slack-allow-list';

/**
 * A tenant's Slack allow-list: `PROVIDERS#<tenantId>#slack-allow-list` / `stack-bot`, under the
 * PROVIDERS# prefix (the slack function's Query grant, the api's management grants) but not in the
 * tenant's provider partition, whose every item is a provider. A tenant id never holds `#`.
 * Read with a Query (the slack function may Query PROVIDERS# items, nothing else).
 */
export class SlackAllowListStore implements SlackAllowListRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string): Promise<SlackAllowList | undefined> {
    const answer = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': partition(tenantId), ':sk': SORT_KEY },
        ConsistentRead: true,
      }),
    );
    const item = answer.Items?.[0];
    if (!item) return undefined;
    return { channels: (item.channels as string[]) ?? [], updatedAt: String(item.updatedAt) };
  }

  async put(tenantId: string, list: SlackAllowList): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: partition(tenantId), sk: SORT_KEY, ...list },
      }),
    );
  }

  async remove(tenantId: string): Promise<boolean> {
    const answer = await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: partition(tenantId), sk: SORT_KEY },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return answer.Attributes !== undefined;
  }
}

const SORT_KEY = 'stack-bot';
const partition = (tenantId: string) => `PROVIDERS#${tenantId}#slack-allow-list`;
