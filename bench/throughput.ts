/**
 * Local throughput as a ratio: what the emulators themselves allow (raw dynalite conditional
 * updates, raw fauxqs send and receive+delete, measured now on this machine) for Herald's own
 * request mix, against the end-to-end rate Herald reached; and Herald's own CPU per delivery
 * with in-memory ports instead of emulators and fakes.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { deliveryMessage, parseDeliveryMessage } from '../functions/core/delivery-message';
import type { ChannelProvider } from '../functions/core/ports';
import { deliverRecord } from '../functions/core/use-cases/deliver';
import { ingestNotification } from '../functions/core/use-cases/ingest';
import { parseV1Request } from '../functions/core/validation';
import { startLocalStack } from '../local/stack';
import { FakeScheduler, InMemoryQueue, InMemoryRepository } from '../test/unit/core/fakes';
import type { SdkCounts } from './sdk-counter';

/** What the end-to-end section measured. */
export interface EndToEndResult {
  deliveries: number;
  deliveriesPerSecond: number;
  counts: SdkCounts;
}

const quiet = () => undefined;
function line(label: string, value: string) {
  console.log(`  ${label.padEnd(58)} ${value}`);
}

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

async function emulatorRates() {
  const stack = await startLocalStack({ port: 0, log: quiet, pollers: false });
  try {
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const table = stack.env.TABLE_NAME ?? '';
    const items = 2_000;
    for (let i = 0; i < items; i += 25) {
      await db.send(
        new BatchWriteCommand({
          RequestItems: {
            [table]: Array.from({ length: 25 }, (_, j) => ({
              PutRequest: { Item: { pk: `RATE#${i + j}`, sk: 'X', status: 'queued', attempts: 0 } },
            })),
          },
        }),
      );
    }
    // The shape of a claim: a conditional status change with a counter.
    let nextItem = 0;
    const updates = await rate(16, async () => {
      const i = nextItem++;
      if (i >= items) return undefined;
      await db.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: `RATE#${i}`, sk: 'X' },
          UpdateExpression: 'SET #s = :to, attempts = attempts + :one',
          ConditionExpression: '#s = :from',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':to': 'sending', ':from': 'queued', ':one': 1 },
        }),
      );
      return 1;
    });

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
    return { updates, sends, receives };
  } finally {
    await stack.stop();
  }
}

/** Emulator ceiling for Herald's request mix vs the end-to-end rate it reached. */
export async function benchCeiling(e2e: EndToEndResult): Promise<void> {
  console.log('\nLocal ceiling: the emulators alone, for the request mix of the end-to-end run');
  const rates = await emulatorRates();
  const ops = e2e.counts.byOperation;
  const per = (n: number) => n / e2e.deliveries;
  // Items DynamoDB touches per delivery: every item written (BatchWriteItem counts per item) and
  // every read, each costed like a conditional update (dynalite's cost is per item).
  const itemOps = per(
    e2e.counts.dynamoWriteUnits +
      (ops['dynamodb:GetItem'] ?? 0) +
      (ops['dynamodb:Query'] ?? 0) +
      (ops['dynamodb:BatchGetItem'] ?? 0),
  );
  // Every delivery's message is sent once and received+deleted once (retries would add more).
  const sqsSent = 1;
  const sqsReceived = 1;
  const secondsPerDelivery =
    itemOps / rates.updates + sqsSent / rates.sends + sqsReceived / rates.receives;
  const ceiling = 1 / secondsPerDelivery;
  line('dynalite conditional UpdateItem (16 in flight)', `${rates.updates.toFixed(0)}/s`);
  line('fauxqs SendMessageBatch(10), messages', `${rates.sends.toFixed(0)}/s`);
  line(
    'fauxqs ReceiveMessage(10) + DeleteMessageBatch, messages',
    `${rates.receives.toFixed(0)}/s`,
  );
  line('Herald per delivery: DynamoDB items touched', itemOps.toFixed(2));
  line(
    'ceiling for that mix (emulator time per delivery, summed)',
    `${ceiling.toFixed(0)} deliveries/s`,
  );
  line('Herald end to end', `${e2e.deliveriesPerSecond.toFixed(0)} deliveries/s`);
  line(
    'Herald / ceiling (target >= 80%)',
    `${((100 * e2e.deliveriesPerSecond) / ceiling).toFixed(0)}%`,
  );
}

/**
 * Herald's own CPU per delivery: validation, ingest, the queue message, batch processing and
 * deliverRecord, with the in-memory ports of the unit tests instead of DynamoDB, SQS and a
 * provider. The AWS SDK's request building and parsing is not in it (it runs against nothing).
 */
export async function benchOwnCpu(): Promise<void> {
  console.log('\nHerald own CPU per delivery (in-memory ports, no emulators or fakes)');
  const provider: ChannelProvider = {
    channel: 'email',
    send: async () => ({ providerMessageId: 'ses-1' }),
  };
  const processor = new BatchProcessor(EventType.SQS);
  const run = async (requests: number, recipients: number) => {
    const store = new InMemoryRepository();
    const queue = new InMemoryQueue();
    const deps = { store, queue, scheduler: new FakeScheduler() };
    const deliver = {
      channel: 'email' as const,
      store,
      provider: async () => provider,
      maxReceiveCount: 5,
      retryBaseSeconds: 30,
      retryMaxSeconds: 900,
      leaseMs: 60_000,
    };
    const start = process.cpuUsage();
    for (let r = 0; r < requests; r++) {
      const raw = JSON.stringify({
        channels: {
          email: {
            to: Array.from({ length: recipients }, (_, i) => `own-${r}-${i}@example.com`),
            subject: 'cpu',
            text: 'cpu',
          },
        },
      });
      const now = Date.now();
      const parsed = parseV1Request(JSON.parse(raw), {
        maxRecipientsPerChannel: 1000,
        enabledChannels: queue.channels,
        now,
        maxScheduleAheadMs: 365 * 86_400_000,
      });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      await ingestNotification(deps, parsed.value, { id: `own-${r}`, tenantId: 'bench', now });
    }
    const bodies = queue.messages.map((m) => JSON.stringify(deliveryMessage(m.record)));
    for (let i = 0; i < bodies.length; i += 10) {
      const records = bodies.slice(i, i + 10).map(
        (body, j) =>
          ({
            messageId: `m${i + j}`,
            receiptHandle: 'rh',
            body,
            attributes: { ApproximateReceiveCount: '1' },
            eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:email',
          }) as unknown as SQSRecord,
      );
      const result = await processPartialResponse(
        { Records: records },
        (record: SQSRecord) =>
          deliverRecord(deliver, {
            message: parseDeliveryMessage(record.body, 'email'),
            receiveCount: 1,
          }),
        processor,
      );
      if (result.batchItemFailures.length > 0) throw new Error('a delivery failed');
    }
    const cpu = process.cpuUsage(start);
    return (cpu.user + cpu.system) / 1000 / bodies.length;
  };
  await run(20, 100); // warm-up: the JIT, as a container after its first invocations
  for (const [requests, recipients] of [
    [2_000, 1],
    [20, 100],
  ] as const) {
    line(
      `${recipients} recipient(s) per request (target <= 1 ms)`,
      `${(await run(requests, recipients)).toFixed(3)} ms`,
    );
  }
}
