import {
  notificationItem,
  TENANT_INDEX_PK,
  TENANT_INDEX_PROJECTION,
  TENANT_INDEX_SK,
} from '../functions/adapters/dynamodb/items';
import { startLocalStack } from '../local/stack';
import type { countSdkRequests } from './sdk-counter';
import { apiEvent, apiHandler, context, line, ms, numbers, percentile, quiet } from './support';

/** The api function alone: ingest and list, per request and per DynamoDB unit. */

export async function benchIngest(counter: ReturnType<typeof countSdkRequests>) {
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
export const itemBytes = (item: unknown) => Buffer.byteLength(JSON.stringify(item));

export async function benchList(counter: ReturnType<typeof countSdkRequests>) {
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
