/**
 * Local throughput as a ratio: what the emulators themselves allow (the raw rate of each dynalite
 * and fauxqs request Herald makes, measured now on this machine) for Herald's own request mix, against the end-to-end rate Herald reached; and Herald's own CPU per delivery
 * with in-memory ports instead of emulators and fakes.
 */
import { cpus } from 'node:os';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSRecord } from 'aws-lambda';
import { deliverRecord } from '../functions/core/delivery/deliver';
import { deliveryMessage, parseDeliveryMessage } from '../functions/core/delivery/delivery-message';
import type { ChannelProvider } from '../functions/core/delivery/ports';
import { ingestNotification } from '../functions/core/notifications/ingest';
import { parseV1Request } from '../functions/core/notifications/requests';
import { FakeScheduler, InMemoryQueue, InMemoryRepository } from '../test/unit/core/fakes';
import { emulatorRates } from './emulator-rates';
import type { SdkCounts } from './sdk-counter';

/** What the end-to-end section measured. */
export interface EndToEndResult {
  deliveries: number;
  deliveriesPerSecond: number;
  /** CPU of every thread of the process (emulators, fakes, functions) per delivery. */
  cpuMsPerDelivery: number;
  counts: SdkCounts;
}

const _quiet = () => undefined;
function line(label: string, value: string) {
  console.log(`  ${label.padEnd(58)} ${value}`);
}

/**
 * Emulator ceiling for Herald's request mix vs the end-to-end rate it reached. dynalite runs on
 * its own worker thread and fauxqs (SQS and SNS) on the main thread, so they serve in parallel:
 * the ceiling is set by the busier one (its seconds of work per delivery), not by their sum.
 */
export async function benchCeiling(e2e: EndToEndResult): Promise<void> {
  console.log('\nLocal ceiling: the emulators alone, for the request mix of the end-to-end run');
  const rates = await emulatorRates();
  const ops = e2e.counts.byOperation;
  const per = (n: number | undefined) => (n ?? 0) / e2e.deliveries;
  // BatchWriteItem costs dynalite per item: the items written that no single write accounts for.
  const singleWrites =
    (ops['dynamodb:UpdateItem'] ?? 0) +
    (ops['dynamodb:PutItem'] ?? 0) +
    (ops['dynamodb:DeleteItem'] ?? 0);
  const dynamoUnits: Record<string, number> = {};
  for (const [op, count] of Object.entries(ops)) {
    if (!op.startsWith('dynamodb:')) continue;
    dynamoUnits[op] =
      op === 'dynamodb:BatchWriteItem'
        ? per(e2e.counts.dynamoItemsWritten - singleWrites)
        : per(count);
  }
  let dynaliteSeconds = 0;
  for (const [op, units] of Object.entries(dynamoUnits)) {
    const opRate = rates.dynamo[op] ?? rates.dynamo['dynamodb:UpdateItem'] ?? 1;
    dynaliteSeconds += units / opRate;
    line(`dynalite ${op.slice(9)}: ${opRate.toFixed(0)}/s raw`, `${units.toFixed(3)} per delivery`);
  }
  // Every delivery's message is sent once and received+deleted once (retries would add more).
  const fauxqsSeconds =
    1 / rates.sqs.sendMessages +
    1 / rates.sqs.receiveDeleteMessages +
    per(ops['sns:PublishBatch']) / rates.snsPublishBatches;
  line('fauxqs SendMessageBatch(10)', `${rates.sqs.sendMessages.toFixed(0)} messages/s raw`);
  line(
    'fauxqs ReceiveMessage(10) + DeleteMessageBatch',
    `${rates.sqs.receiveDeleteMessages.toFixed(0)} messages/s raw`,
  );
  line(
    `fauxqs SNS PublishBatch(10): ${rates.snsPublishBatches.toFixed(0)}/s raw`,
    `${per(ops['sns:PublishBatch']).toFixed(3)} per delivery`,
  );
  line('dynalite busy per delivery', `${(dynaliteSeconds * 1000).toFixed(3)} ms`);
  line('fauxqs busy per delivery', `${(fauxqsSeconds * 1000).toFixed(3)} ms`);
  const ceiling = 1 / Math.max(dynaliteSeconds, fauxqsSeconds);
  line(
    `ceiling (the busier emulator: ${dynaliteSeconds >= fauxqsSeconds ? 'dynalite' : 'fauxqs'})`,
    `${ceiling.toFixed(0)} deliveries/s`,
  );
  line('Herald end to end', `${e2e.deliveriesPerSecond.toFixed(0)} deliveries/s`);
  line(
    'Herald / ceiling (target >= 80%)',
    `${((100 * e2e.deliveriesPerSecond) / ceiling).toFixed(0)}%`,
  );
  // What held it back: the ceiling gives the busier emulator a core of its own; end to end, the
  // functions, the fakes and fauxqs share the same cores with it.
  const cores = cpus().length;
  line(
    `cores busy end to end (of ${cores}): CPU per delivery x deliveries/s`,
    `${((e2e.cpuMsPerDelivery * e2e.deliveriesPerSecond) / 1000).toFixed(2)}`,
  );
  line(
    '  of which dynalite (its busy time per delivery x deliveries/s)',
    `${(dynaliteSeconds * e2e.deliveriesPerSecond).toFixed(2)}`,
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
