import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// Unprocessed items (throttling) are retried with a short backoff; after that the write fails as
// a whole, before anything is enqueued.
const UNPROCESSED_RETRIES = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

/**
 * One BatchWriteItem of up to 25 requests, retrying what DynamoDB leaves unprocessed. Not atomic:
 * when it throws, any of the requests may or may not have been applied.
 */
async function writeBatch(
  db: DynamoDBDocumentClient,
  tableName: string,
  batch: WriteRequest[],
): Promise<void> {
  let requests = batch;
  for (let attempt = 0; requests.length > 0; attempt++) {
    if (attempt > UNPROCESSED_RETRIES) {
      throw new Error(`DynamoDB left ${requests.length} items unprocessed`);
    }
    if (attempt > 0) await sleep(25 * 2 ** attempt);
    const answer = await db.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
    );
    requests = (answer.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
  }
}

/** Puts up to 25 items in one BatchWriteItem, retrying what DynamoDB leaves unprocessed. */
export function putBatch(
  db: DynamoDBDocumentClient,
  tableName: string,
  batch: Record<string, unknown>[],
): Promise<void> {
  return writeBatch(
    db,
    tableName,
    batch.map((Item) => ({ PutRequest: { Item } })),
  );
}

/** Deletes up to 25 items (by key) in one BatchWriteItem; deleting what is absent is no error. */
export function deleteBatch(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: Record<string, unknown>[],
): Promise<void> {
  return writeBatch(
    db,
    tableName,
    keys.map((Key) => ({ DeleteRequest: { Key } })),
  );
}
