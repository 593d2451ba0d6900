import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { CategoryStore } from '../../core/recipients/categories';
import type { Category } from '../../core/recipients/preferences';

/*
 * A tenant's categories: one partition `CAT#<tenantId>`, one item per key. Categories are
 * written by an admin now and then (far from 1,000 writes/s) and read once per send request that
 * names one (0.5 read unit), never per recipient.
 */
export const categoryPartition = (tenantId: string) => `CAT#${tenantId}`;

export class DynamoCategoryStore implements CategoryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string, key: string): Promise<Category | undefined> {
    const answer = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: categoryPartition(tenantId), sk: key },
      }),
    );
    return answer.Item ? toCategory(answer.Item) : undefined;
  }

  async put(tenantId: string, category: Category): Promise<{ created: boolean }> {
    const answer = await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: categoryPartition(tenantId), sk: category.key, ...category },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return { created: !answer.Attributes };
  }

  async list(tenantId: string): Promise<Category[]> {
    const answer = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': categoryPartition(tenantId) },
        Limit: 100,
      }),
    );
    return (answer.Items ?? []).map(toCategory);
  }

  async delete(tenantId: string, key: string): Promise<boolean> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: categoryPartition(tenantId), sk: key },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function toCategory(item: Record<string, unknown>): Category {
  const { pk: _pk, sk: _sk, ...category } = item;
  return category as unknown as Category;
}
