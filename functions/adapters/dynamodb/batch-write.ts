import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// Unprocessed items (throttling) are retried with a short backoff; after that the write fails as
// a whole, before anything is enqueued.
const UNPROCESSED_RETRIES = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Puts up to 25 items in one BatchWriteItem, retrying what DynamoDB leaves unprocessed. */
export async function putBatch(
  db: DynamoDBDocumentClient,
  tableName: string,
  batch: Record<string, unknown>[],
): Promise<void> {
  let requests = batch.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 0; requests.length > 0; attempt++) {
    if (attempt > UNPROCESSED_RETRIES) {
      throw new Error(`DynamoDB left ${requests.length} items unprocessed`);
    }
    if (attempt > 0) await sleep(25 * 2 ** attempt);
    const answer = await db.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
    );
    requests = (answer.UnprocessedItems?.[tableName] ?? []) as typeof requests;
  }
}
