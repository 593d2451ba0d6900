import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { queryItems } from '../../../../functions/adapters/dynamodb/query-items';

/**
 * A document client whose Query answers come from `pages`, following ExclusiveStartKey (the stub
 * sits before the document client's marshalling: it sees and answers plain values).
 */
function pagedTable(pages: { n: number }[][]) {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const starts: unknown[] = [];
  client.middlewareStack.add(
    () => async (args) => {
      const input = (args as { input: { ExclusiveStartKey?: { page: number } } }).input;
      starts.push(input.ExclusiveStartKey);
      const index = input.ExclusiveStartKey?.page ?? 0;
      if (index >= pages.length) throw new Error(`no page ${index}`);
      const more = index + 1 < pages.length;
      return {
        output: {
          $metadata: {},
          Items: pages[index] ?? [],
          ...(more && { LastEvaluatedKey: { page: index + 1 } }),
        },
        response: {},
      } as never;
    },
    { step: 'initialize', name: 'pagedTable' },
  );
  return { db: DynamoDBDocumentClient.from(client), starts };
}

describe('queryItems', () => {
  it('reads every page, following LastEvaluatedKey', async () => {
    const { db, starts } = pagedTable([[{ n: 1 }, { n: 2 }], [{ n: 3 }], [{ n: 4 }]]);
    const items: unknown[] = [];
    for await (const item of queryItems(db, { TableName: 't', KeyConditionExpression: 'pk = :p' }))
      items.push(item);
    expect(items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(starts).toEqual([undefined, { page: 1 }, { page: 2 }]);
  });

  it('asks for no further page once the caller stops', async () => {
    const { db, starts } = pagedTable([[{ n: 1 }, { n: 2 }], [{ n: 3 }]]);
    for await (const item of queryItems(db, { TableName: 't', KeyConditionExpression: 'pk = :p' }))
      if (item.n === 1) break;
    expect(starts).toHaveLength(1);
  });
});
