import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../local/stack';

/** How fast the emulators alone answer each request Herald makes: the ceiling under the stack. */

const quiet = () => undefined;

/** Runs `op` in `concurrency` loops until it answers undefined; units (its answers) per second. */
async function rate(concurrency: number, op: () => Promise<number | undefined>) {
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const units = await op();
        if (units === undefined) return;
        done += units;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

/** Raw rates of each request Herald makes, measured against the emulators alone. */
export interface EmulatorRates {
  /** Per operation: units per second (items for BatchWriteItem, messages for SQS, else requests). */
  dynamo: Record<string, number>;
  sqs: { sendMessages: number; receiveDeleteMessages: number };
  snsPublishBatches: number;
}

export async function emulatorRates(): Promise<EmulatorRates> {
  const stack = await startLocalStack({ port: 0, log: quiet, pollers: false });
  try {
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const table = stack.env.TABLE_NAME ?? '';
    const items = 2_000;
    // Three items per partition, as a notification with two deliveries: what a Query reads.
    const key = (i: number) => ({ pk: `RATE#${Math.floor(i / 3)}`, sk: `X#${i % 3}` });
    let nextBatch = 0;
    const batchWrites = await rate(4, async () => {
      const first = nextBatch;
      nextBatch += 25;
      if (first >= items) return undefined;
      await db.send(
        new BatchWriteCommand({
          RequestItems: {
            [table]: Array.from({ length: 25 }, (_, j) => ({
              PutRequest: { Item: { ...key(first + j), status: 'queued', attempts: 0 } },
            })),
          },
        }),
      );
      return 25;
    });
    // Each op runs over all items once, 16 in flight (as many Lambda records in flight locally).
    const over = async (op: (i: number) => Promise<unknown>) => {
      let next = 0;
      return rate(16, async () => {
        const i = next++;
        if (i >= items) return undefined;
        await op(i);
        return 1;
      });
    };
    // The shape of a claim: a conditional status change with a counter.
    const updates = await over((i) =>
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: key(i),
          UpdateExpression: 'SET #s = :to, attempts = attempts + :one',
          ConditionExpression: '#s = :from',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':to': 'sending', ':from': 'queued', ':one': 1 },
        }),
      ),
    );
    const gets = await over((i) => db.send(new GetCommand({ TableName: table, Key: key(i) })));
    const queries = await over((i) =>
      db.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': key(i).pk },
        }),
      ),
    );
    const batchGets = await over((i) =>
      db.send(
        new BatchGetCommand({
          RequestItems: { [table]: { Keys: [key(i), key((i + 7) % items)] } },
        }),
      ),
    );

    const sqs = new SQSClient({});
    // A queue no other section uses.
    const queueUrl = stack.env.QUEUE_URL_MQTT ?? '';
    const messages = 5_000;
    const body = JSON.stringify({
      v: 1,
      notificationId: '00000000-0000-4000-8000-000000000000',
      deliveryId: 'mqtt#0',
      channel: 'mqtt',
      recipient: 'devices/rate/test',
    });
    let batches = messages / 10;
    const sends = await rate(8, async () => {
      if (batches-- <= 0) return undefined;
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: 10 }, (_, j) => ({ Id: String(j), MessageBody: body })),
        }),
      );
      return 10;
    });
    let left = messages;
    const receives = await rate(8, async () => {
      if (left <= 0) return undefined;
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
      );
      const got = received.Messages ?? [];
      left -= got.length;
      if (got.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: got.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
      return got.length;
    });
    const sns = new SNSClient({});
    const topicArn = stack.env.EVENTS_TOPIC_ARN ?? '';
    let publishes = 300;
    const publishBatches = await rate(8, async () => {
      if (publishes-- <= 0) return undefined;
      await sns.send(
        new PublishBatchCommand({
          TopicArn: topicArn,
          PublishBatchRequestEntries: Array.from({ length: 10 }, (_, j) => ({
            Id: String(j),
            Message: body,
          })),
        }),
      );
      return 1;
    });
    return {
      dynamo: {
        'dynamodb:BatchWriteItem': batchWrites,
        'dynamodb:UpdateItem': updates,
        'dynamodb:PutItem': updates,
        'dynamodb:DeleteItem': updates,
        'dynamodb:GetItem': gets,
        'dynamodb:Query': queries,
        'dynamodb:BatchGetItem': batchGets,
      },
      sqs: { sendMessages: sends, receiveDeleteMessages: receives },
      snsPublishBatches: publishBatches,
    };
  } finally {
    await stack.stop();
  }
}
