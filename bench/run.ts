import { cpus } from 'node:os';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, SQSRecord } from 'aws-lambda';
import {
  notificationItem,
  TENANT_INDEX_PK,
  TENANT_INDEX_PROJECTION,
  TENANT_INDEX_SK,
} from '../functions/adapters/dynamodb/items';
import { NotificationStore } from '../functions/adapters/dynamodb/notification-store';
import { deliverRecord } from '../functions/core/delivery/deliver';
import type { ChannelProvider } from '../functions/core/delivery/ports';
import { loadHandler } from '../local/emulators/lambda';
import { type LocalStack, startLocalStack } from '../local/stack';
import { benchBundles } from './bundles';
import { benchCost } from './cost';
import { benchIdempotency, benchReplay } from './dlq-idempotency';
import { benchEvents } from './events';
import { benchGuarantees } from './guarantees';
import { countSdkRequests, SDK_COUNTER_PRELOAD } from './sdk-counter';
import { benchCeiling, benchOwnCpu, type EndToEndResult } from './throughput';

const quiet = () => undefined;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}
const ms = (v: number) => `${v.toFixed(1)} ms`;
function line(label: string, value: string) {
  console.log(`  ${label.padEnd(58)} ${value}`);
}

function servicesOf(stack: LocalStack): Record<string, string> {
  const services: Record<string, string> = {};
  for (const [variable, name] of [
    ['AWS_ENDPOINT_URL_DYNAMODB', 'dynamodb'],
    ['AWS_ENDPOINT_URL_SESV2', 'sesv2'],
    ['AWS_ENDPOINT_URL_IOT_DATA_PLANE', 'iot-data'],
    ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'secretsmanager'],
    ['AWS_ENDPOINT_URL_SCHEDULER', 'scheduler'],
  ] as const) {
    const url = stack.env[variable];
    if (url) services[`${new URL(url).hostname}:${new URL(url).port}`] = name;
  }
  return services;
}

function apiEvent(body: unknown, query?: Record<string, string>): APIGatewayProxyEvent {
  return {
    httpMethod: body === undefined ? 'GET' : 'POST',
    path: '/v1/notifications',
    resource: '/v1/notifications',
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: {},
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
    pathParameters: null,
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      authorizer: { tenantId: 'bench', scopes: 'send read' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

let instances = 0;
/** A fresh copy of the api handler built from the current stack's environment (a cold start). */
async function apiHandler() {
  const handler = await loadHandler<APIGatewayProxyEvent, APIGatewayProxyResult>(
    'api',
    `bench-${++instances}`,
  );
  if (!handler) throw new Error('functions/handlers/api.ts is missing');
  return handler;
}

const context = { functionName: 'bench', awsRequestId: 'bench' } as unknown as Context;
// Ending in 7: the local Twilio fake reads numbers ending 0001-0006 as failure conventions.
const numbers = (n: number, offset: number) =>
  Array.from({ length: n }, (_, i) => `+1415${String(offset + i).padStart(6, '0')}7`);

async function benchIngest(counter: ReturnType<typeof countSdkRequests>) {
  const stack = await startLocalStack({ port: 0, log: quiet, pollers: false });
  const handler = await apiHandler();
  const invoke = (body: unknown) => handler(apiEvent(body), context);
  try {
    console.log('\nIngest (api handler, in process; pollers off so only ingest runs)');
    for (const [recipients, runs] of [
      [1, 300],
      [1000, 30],
    ] as const) {
      for (let i = 0; i < 5; i++)
        await invoke({ channels: { sms: { to: numbers(recipients, i * 10_000), text: 'warm' } } });
      const times: number[] = [];
      counter.reset();
      for (let i = 0; i < runs; i++) {
        const body = {
          channels: { sms: { to: numbers(recipients, 100_000 + i * 2_000), text: 'bench' } },
        };
        const start = performance.now();
        const answer = await invoke(body);
        times.push(performance.now() - start);
        if (answer.statusCode !== 202)
          throw new Error(`ingest answered ${answer.statusCode}: ${answer.body}`);
      }
      line(
        `${recipients}-recipient request p50 / p99`,
        `${ms(percentile(times, 50))} / ${ms(percentile(times, 99))}`,
      );
      const sqsCalls = (counter.counts.byService.sqs ?? 0) / runs;
      const ddbCalls = (counter.counts.byService.dynamodb ?? 0) / runs;
      line(`  SQS requests per request (target <= 100 at 1,000)`, sqsCalls.toFixed(1));
      line(`  DynamoDB requests per request`, ddbCalls.toFixed(1));
      line(
        `  DynamoDB write units at ingest per delivery`,
        (counter.counts.dynamoWriteUnits / runs / recipients).toFixed(3),
      );
    }
  } finally {
    await stack.stop();
  }
}

/** DynamoDB item size as billed: attribute names plus values (JSON is a close upper bound). */
const itemBytes = (item: unknown) => Buffer.byteLength(JSON.stringify(item));

async function benchList(counter: ReturnType<typeof countSdkRequests>) {
  const stack = await startLocalStack({ port: 0, log: quiet, pollers: false });
  const handler = await apiHandler();
  try {
    console.log('\nList (GET /v1/notifications; index byTenant written with the notification)');
    // What the index adds per notification: its keys and `channels` on the META item, and one
    // index entry (table keys + index keys + projected attributes) written by DynamoDB itself.
    const notification = {
      id: '0b0e1d7c-1f6a-4c44-9d4e-4b1e5f0a9c11',
      tenantId: 'acme',
      createdAt: new Date().toISOString(),
      priority: 'normal' as const,
      metadata: { orderId: 'A-10023', region: 'eu' },
      content: { sms: { text: 'Your code is 123456' }, email: { subject: 'Code', text: 'x' } },
      deliveryCount: 2,
    };
    const item = notificationItem(notification, 0);
    const entry = Object.fromEntries(
      ['pk', 'sk', TENANT_INDEX_PK, TENANT_INDEX_SK, ...TENANT_INDEX_PROJECTION]
        .filter((name) => name in item)
        .map((name) => [name, item[name]]),
    );
    const added =
      itemBytes(item) -
      itemBytes({
        ...item,
        [TENANT_INDEX_PK]: undefined,
        [TENANT_INDEX_SK]: undefined,
        channels: undefined,
      });
    line('index attributes added to the notification item', `${added} bytes`);
    line('index entry (2 channels, 2 metadata keys)', `${itemBytes(entry)} bytes`);
    const indexUnits = Math.ceil(itemBytes(entry) / 1024);
    line(
      'index write cost per notification (1 WRU per started KB)',
      `${indexUnits} WRU (+0 requests: same write)`,
    );
    line(
      '  $ per million notifications ($0.625 per million WRU, 2026)',
      `$${(indexUnits * 0.625).toFixed(3)}`,
    );
    line('status summary writes per status change', '0 (the list reads deliveries)');

    for (let i = 0; i < 100; i++) {
      const answer = await handler(
        apiEvent({
          channels: { sms: { to: numbers(3, i * 10), text: 'list' } },
          metadata: { batch: String(i % 4) },
          sendAt: new Date(Date.now() + 3_600_000).toISOString(),
        }),
        context,
      );
      if (answer.statusCode !== 202) throw new Error(`ingest answered ${answer.statusCode}`);
    }
    for (const [label, query] of [
      ['page of 25, no filter', { limit: '25' }],
      ['page of 25, metadata filter (1 in 4 match)', { limit: '25', 'metadata.batch': '1' }],
      ['page of 25, status filter (all match)', { limit: '25', status: 'scheduled' }],
    ] as const) {
      const times: number[] = [];
      counter.reset();
      const runs = 30;
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        const answer = await handler(apiEvent(undefined, { ...query }), context);
        times.push(performance.now() - start);
        if (answer.statusCode !== 200) throw new Error(`list answered ${answer.statusCode}`);
      }
      line(`${label} p50 / p99`, `${ms(percentile(times, 50))} / ${ms(percentile(times, 99))}`);
      line(
        '  DynamoDB queries per page (1 index + 1 per listed notification)',
        ((counter.counts.byOperation['dynamodb:Query'] ?? 0) / runs).toFixed(1),
      );
    }
  } finally {
    await stack.stop();
  }
}

async function benchEndToEnd(
  counter: ReturnType<typeof countSdkRequests>,
): Promise<EndToEndResult> {
  // The pollers and channel handlers run on the stack's Lambda thread: count there too.
  const stack = await startLocalStack({
    port: 0,
    log: quiet,
    pollersPerChannel: 3,
    lambdaPreload: [SDK_COUNTER_PRELOAD],
  });
  try {
    const handler = await apiHandler();
    console.log('\nEnd to end: 5,000 deliveries (10 requests x 4 channels x 125 recipients)');
    const acceptedAt = new Map<string, number>();
    const deliveredAt = new Map<string, number>();
    const off = stack.outbox.onEntry((entry) =>
      deliveredAt.set(entry.recipient, performance.now()),
    );
    counter.reset();
    const cpuAtStart = process.cpuUsage();
    const start = performance.now();
    const requests = Array.from({ length: 10 }, (_, r) => {
      const range = (prefix: string) => Array.from({ length: 125 }, (_, i) => `${prefix}${r}-${i}`);
      return {
        recipients: [
          ...range('e2e-').map((p) => `${p}@example.com`),
          ...numbers(125, 3_000_000 + r * 1_000),
          ...numbers(125, 4_000_000 + r * 1_000),
          ...range('token-e2e-'),
        ],
        body: {
          channels: {
            email: {
              to: range('e2e-').map((p) => `${p}@example.com`),
              subject: 'bench',
              text: 'bench',
            },
            sms: { to: numbers(125, 3_000_000 + r * 1_000), text: 'bench' },
            whatsapp: { to: numbers(125, 4_000_000 + r * 1_000), text: 'bench' },
            push: { tokens: range('token-e2e-'), title: 'bench', body: 'bench' },
          },
        },
      };
    });
    for (const request of requests) {
      const answer = await handler(apiEvent(request.body), context);
      if (answer.statusCode !== 202) throw new Error(`ingest answered ${answer.statusCode}`);
      const now = performance.now();
      for (const recipient of request.recipients) acceptedAt.set(recipient, now);
    }
    // sms and whatsapp share numbers' shapes but not values; every recipient is unique.
    const total = acceptedAt.size;
    const deadline = Date.now() + 120_000;
    while (deliveredAt.size < total && Date.now() < deadline) await sleep(100);
    const end = Math.max(...deliveredAt.values());
    const cpu = process.cpuUsage(cpuAtStart);
    off();
    // Final status writes land just after the provider call; let them finish before counting.
    await sleep(500);
    const latencies = [...acceptedAt].flatMap(([recipient, t]) => {
      const d = deliveredAt.get(recipient);
      return d === undefined ? [] : [d - t];
    });
    line('deliveries reached the providers', `${deliveredAt.size} / ${total}`);
    line(
      'accept -> delivered p50 / p99',
      `${ms(percentile(latencies, 50))} / ${ms(percentile(latencies, 99))}`,
    );
    line(
      'throughput (target >= 300/s on 2 cores)',
      `${(deliveredAt.size / ((end - start) / 1000)).toFixed(0)} deliveries/s`,
    );
    line(
      'CPU time per delivery, all threads (emulators and fakes too)',
      ms((cpu.user + cpu.system) / 1000 / deliveredAt.size),
    );
    console.log('  AWS API requests per delivery, by service (whole pipeline)');
    for (const [service, count] of Object.entries(counter.counts.byService).sort()) {
      line(`    ${service}`, (count / total).toFixed(3));
    }
    console.log('  by operation');
    for (const [operation, count] of Object.entries(counter.counts.byOperation).sort()) {
      line(`    ${operation}`, (count / total).toFixed(3));
    }
    line(
      'DynamoDB write units per delivery, ingest to final (target <= 2)',
      (counter.counts.dynamoWriteUnits / total).toFixed(3),
    );
    return {
      deliveries: deliveredAt.size,
      deliveriesPerSecond: deliveredAt.size / ((end - start) / 1000),
      cpuMsPerDelivery: (cpu.user + cpu.system) / 1000 / deliveredAt.size,
      counts: structuredClone(counter.counts),
    };
  } finally {
    await stack.stop();
  }
}

async function benchBatchLatency() {
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

async function benchPriorityLane() {
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

async function benchScheduling() {
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

async function main() {
  console.log(
    `Herald benchmark — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`,
  );
  // Endpoints are the same for every stack in this process (ports are pinned by the first).
  const probe = await startLocalStack({ port: 0, log: quiet, pollers: false });
  const counter = countSdkRequests(servicesOf(probe));
  await probe.stop();

  const only = process.argv[2];
  const sections: Record<string, () => Promise<void>> = {
    ingest: () => benchIngest(counter),
    list: () => benchList(counter),
    e2e: async () => {
      await benchCeiling(await benchEndToEnd(counter));
    },
    own: benchOwnCpu,
    batch: benchBatchLatency,
    priority: benchPriorityLane,
    scheduling: benchScheduling,
    events: benchEvents,
    replay: () => benchReplay(counter),
    idempotency: benchIdempotency,
    bundles: benchBundles,
    guarantees: () => benchGuarantees(counter),
    cost: async () => {
      await benchCost(counter);
    },
  };
  for (const [name, run] of Object.entries(sections)) {
    if (only && only !== name) continue;
    await run();
  }
  console.log(
    `\nPeak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
  );
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
