import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { NotificationStore } from '../functions/adapters/dynamodb/notification-store';
import { deliverRecord } from '../functions/core/delivery/deliver';
import type { ChannelProvider } from '../functions/core/delivery/ports';
import { startLocalStack } from '../local/stack';
import {
  apiEvent,
  apiHandler,
  context,
  line,
  ms,
  numbers,
  percentile,
  quiet,
  sleep,
} from './support';

/** Latency sections: batch window, the priority lane, scheduling accuracy. */

export async function benchBatchLatency() {
  const stack = await startLocalStack({ port: 0, log: quiet, pollers: false });
  try {
    console.log(
      '\nA batch of 10 with 100 ms provider latency (deliverRecord + Powertools batch + dynalite)',
    );
    const store = new NotificationStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    );
    const slowProvider: ChannelProvider = {
      channel: 'sms',
      send: async () => {
        await sleep(100);
        return { providerMessageId: 'SMbench' };
      },
    };
    const deps = {
      channel: 'sms' as const,
      store,
      provider: async () => slowProvider,
      maxReceiveCount: 5,
      retryBaseSeconds: 1,
      retryMaxSeconds: 10,
      leaseMs: 30_000,
    };
    const processor = new BatchProcessor(EventType.SQS);
    const times: number[] = [];
    for (let run = 0; run < 20; run++) {
      const id = `batch-${run}`;
      const now = new Date().toISOString();
      const deliveries = Array.from({ length: 10 }, (_, n) => ({
        notificationId: id,
        deliveryId: `sms#${n}`,
        channel: 'sms' as const,
        recipient: `+1415555${String(n).padStart(4, '0')}`,
        status: 'queued' as const,
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      }));
      await store.create(
        {
          id,
          tenantId: 'bench',
          createdAt: now,
          priority: 'normal',
          content: { sms: { text: 'x' } },
          deliveryCount: 10,
        },
        deliveries,
        Date.now(),
      );
      const records = deliveries.map(
        (d) =>
          ({
            messageId: `${id}-${d.deliveryId}`,
            receiptHandle: 'rh',
            body: JSON.stringify({
              v: 1,
              notificationId: id,
              deliveryId: d.deliveryId,
              channel: 'sms',
              recipient: d.recipient,
            }),
            attributes: { ApproximateReceiveCount: '1' },
            messageAttributes: {},
            md5OfBody: '',
            eventSource: 'aws:sqs',
            eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
            awsRegion: 'us-east-1',
          }) as unknown as SQSRecord,
      );
      const start = performance.now();
      const result = await processPartialResponse(
        { Records: records },
        (r: SQSRecord) => deliverRecord(deps, { message: JSON.parse(r.body), receiveCount: 1 }),
        processor,
        {
          context,
        },
      );
      times.push(performance.now() - start);
      if (result.batchItemFailures.length > 0) throw new Error('batch had failures');
    }
    line(
      'batch of 10 p50 / p99 (target < 250 ms)',
      `${ms(percentile(times, 50))} / ${ms(percentile(times, 99))}`,
    );
  } finally {
    await stack.stop();
  }
}

export async function benchPriorityLane() {
  const stack = await startLocalStack({ port: 0, log: quiet, pollers: false });
  const handler = await apiHandler();
  try {
    console.log('\nPriority lane: 2,000 normal sms queued, then one high-priority sms');
    for (let i = 0; i < 2; i++) {
      await handler(
        apiEvent({ channels: { sms: { to: numbers(1000, 5_000_000 + i * 1000), text: 'bulk' } } }),
        context,
      );
    }
    const highNumber = '+14159999999';
    let highAt: number | undefined;
    let normalDelivered = 0;
    const off = stack.outbox.onEntry((entry) => {
      if (entry.recipient === highNumber) highAt = performance.now();
      else normalDelivered++;
    });
    stack.startPollers();
    await sleep(50);
    const start = performance.now();
    await handler(
      apiEvent({ channels: { sms: { to: [highNumber], text: 'code 123456' } }, priority: 'high' }),
      context,
    );
    while (highAt === undefined && performance.now() - start < 60_000) await sleep(5);
    off();
    line(
      'high-priority delivery after accept (target < 2 s)',
      highAt === undefined ? 'not delivered in 60 s' : ms(highAt - start),
    );
    line('normal deliveries done by then (of 2,000)', String(normalDelivered));
  } finally {
    await stack.stop();
  }
}

export async function benchScheduling() {
  const stack = await startLocalStack({ port: 0, log: quiet, messageDelayHorizonSeconds: 0 });
  const handler = await apiHandler();
  try {
    console.log(
      '\nScheduling accuracy: 200 notifications through the Scheduler shim, due in 3-8 s',
    );
    const dueAt = new Map<string, number>();
    const lateness: number[] = [];
    const off = stack.outbox.onEntry((entry) => {
      const due = dueAt.get(entry.recipient);
      if (due !== undefined) lateness.push(Date.now() - due);
    });
    for (let i = 0; i < 200; i++) {
      const due = Date.now() + 3_000 + Math.floor(Math.random() * 5_000);
      const channel = `#sched-${i}`;
      dueAt.set(channel, due);
      const answer = await handler(
        apiEvent({
          channels: { slack: { channel, text: 'due' } },
          sendAt: new Date(due).toISOString(),
        }),
        context,
      );
      if (answer.statusCode !== 202)
        throw new Error(`schedule answered ${answer.statusCode}: ${answer.body}`);
    }
    const deadline = Date.now() + 30_000;
    while (lateness.length < 200 && Date.now() < deadline) await sleep(100);
    off();
    line('delivered', `${lateness.length} / 200`);
    line(
      'due time -> delivered p50 / p99',
      `${ms(percentile(lateness, 50))} / ${ms(percentile(lateness, 99))}`,
    );
    line('delivered before the due time', String(lateness.filter((l) => l < 0).length));
  } finally {
    await stack.stop();
  }
}
