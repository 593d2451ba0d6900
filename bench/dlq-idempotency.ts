import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { NotificationStore } from '../functions/adapters/dynamodb/notification-store';
import { SqsDeadLetterQueues } from '../functions/adapters/sqs/dead-letter-queues';
import { SqsDeliveryQueue } from '../functions/adapters/sqs/delivery-queue';
import { replayDeadLetters } from '../functions/core/dead-letters/replay';
import { deliveryMessage } from '../functions/core/delivery/delivery-message';
import type { DeliveryRecord } from '../functions/core/notifications/model';
import { chunk, mapWithConcurrency } from '../functions/core/shared/concurrency';
import { loadReplayConfig } from '../functions/runtime/config';
import { createLambdaContext, loadHandler } from '../local/emulators/lambda';
import { startLocalStack } from '../local/stack';
import type { countSdkRequests } from './sdk-counter';

/*
 * Delivery guarantees, part 2: how fast a DLQ replays, and what an Idempotency-Key costs a POST.
 */

const quiet = () => undefined;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const ms = (v: number) => `${v.toFixed(1)} ms`;
const line = (label: string, value: string) => console.log(`  ${label.padEnd(58)} ${value}`);

/** 1,000 dead letters of deliveries whose retries ran out, replayed the way `npm run dlq` does. */
export async function benchReplay(counter: ReturnType<typeof countSdkRequests>): Promise<void> {
  const stack = await startLocalStack({ port: 0, log: quiet, pollers: false });
  try {
    console.log(
      '\nDLQ replay (npm run dlq -- replay --local, in process; pollers off; 100 notifications x 10)',
    );
    const config = loadReplayConfig(stack.env);
    const store = new NotificationStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      config.tableName,
    );
    const sqs = new SQSClient({});
    const dlqUrl = config.deadLetterQueues.sms ?? '';
    const count = 1_000;
    const now = Date.now();
    const createdAt = new Date(now).toISOString();
    // As after an outage: many notifications (100, of 10 recipients each).
    const perNotification = 10;
    const idOf = (n: number) => `bench-replay-${now}-${Math.floor(n / perNotification)}`;
    const deliveries: DeliveryRecord[] = Array.from({ length: count }, (_, n) => ({
      notificationId: idOf(n),
      deliveryId: `sms#${n % perNotification}`,
      channel: 'sms',
      recipient: `+1415${String(n).padStart(7, '0')}`,
      status: 'queued',
      attempts: 0,
      createdAt,
      updatedAt: createdAt,
    }));
    await mapWithConcurrency(chunk(deliveries, perNotification), 8, (group) =>
      store.create(
        {
          id: group[0]?.notificationId ?? '',
          tenantId: 'bench',
          createdAt,
          priority: 'normal',
          content: { sms: { text: 'replayed' } },
          deliveryCount: group.length,
        },
        group,
        now,
      ),
    );
    // As the channel function leaves them: claimed, then failed with the retries exhausted.
    await mapWithConcurrency(deliveries, 25, async (d) => {
      await store.claim(d.notificationId, d.deliveryId, now, 30_000);
      await store.markFailed(
        d.notificationId,
        d.deliveryId,
        'gave up after 5 attempts',
        now,
        ['sending'],
        'exhausted',
      );
    });
    await mapWithConcurrency(chunk(deliveries, 10), 16, (batch) =>
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: batch.map((d, i) => ({
            Id: `e${i}`,
            MessageBody: JSON.stringify(deliveryMessage(d)),
          })),
        }),
      ),
    );
    const deps = {
      store,
      queue: new SqsDeliveryQueue(sqs, config.queues),
      dlq: new SqsDeadLetterQueues(sqs, config.deadLetterQueues, { waitSeconds: 0 }),
    };
    counter.reset();
    const start = performance.now();
    const result = await replayDeadLetters(deps, 'sms');
    const seconds = (performance.now() - start) / 1000;
    if (result.replayed !== count) throw new Error(`replayed ${result.replayed} of ${count}`);
    line(`${count} dead letters replayed (re-open + requeue + delete)`, `${seconds.toFixed(2)} s`);
    line('  replay rate', `${Math.round(count / seconds)} messages/s`);
    line('  SQS requests per message', ((counter.counts.byService.sqs ?? 0) / count).toFixed(2));
    line(
      '  DynamoDB requests per message',
      ((counter.counts.byService.dynamodb ?? 0) / count).toFixed(2),
    );
    const again = performance.now();
    const second = await replayDeadLetters(deps, 'sms');
    line(
      '  a second replay (empty DLQ): replayed / time',
      `${second.replayed} / ${ms(performance.now() - again)}`,
    );
  } finally {
    await stack.stop();
  }
}

function postEvent(body: unknown, key?: string): APIGatewayProxyEvent {
  return {
    httpMethod: 'POST',
    path: '/v1/notifications',
    resource: '/v1/notifications',
    headers: { 'content-type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
    multiValueHeaders: {},
    body: JSON.stringify(body),
    isBase64Encoded: false,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      authorizer: { tenantId: 'bench', scopes: 'send read' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** POST /v1/notifications with and without an Idempotency-Key (one SMS each). */
export async function benchIdempotency(): Promise<void> {
  const stack = await startLocalStack({ port: 0, log: quiet, pollers: false });
  try {
    console.log('\nIdempotency-Key on POST /v1/notifications (api handler in process, 1 SMS)');
    const handler = await loadHandler<APIGatewayProxyEvent, APIGatewayProxyResult>(
      'api',
      `bench-idempotency-${Date.now()}`,
    );
    if (!handler) throw new Error('functions/handlers/api.ts is missing');
    const body = (n: number) => ({
      channels: { sms: { to: [`+1415${String(n).padStart(7, '0')}`], text: 'bench' } },
    });
    const runs = 300;
    const measure = async (withKey: boolean, offset: number) => {
      const times: number[] = [];
      for (let i = 0; i < runs + 20; i++) {
        const event = postEvent(body(offset + i), withKey ? `bench-${offset}-${i}` : undefined);
        const start = performance.now();
        const answer = await handler(event, createLambdaContext('herald-api', 'us-east-1', 10_000));
        if (i >= 20) times.push(performance.now() - start);
        if (answer.statusCode !== 202)
          throw new Error(`answered ${answer.statusCode}: ${answer.body}`);
      }
      return times;
    };
    const plain = await measure(false, 1_000);
    const keyed = await measure(true, 5_000);
    const replayTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      const event = postEvent(body(5_000 + 20 + i), `bench-5000-${20 + i}`);
      const start = performance.now();
      await handler(event, createLambdaContext('herald-api', 'us-east-1', 10_000));
      replayTimes.push(performance.now() - start);
    }
    const p = (values: number[]) => `${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}`;
    line('without a key: p50 / p99', p(plain));
    line('with a new key: p50 / p99', p(keyed));
    line(
      '  added by the key check: p50 / p99',
      `${ms(percentile(keyed, 50) - percentile(plain, 50))} / ${ms(percentile(keyed, 99) - percentile(plain, 99))}`,
    );
    line('a repeated key (answer replayed): p50 / p99', p(replayTimes));
  } finally {
    await stack.stop();
  }
}
