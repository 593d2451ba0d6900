import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationStore } from '../../functions/adapters/dynamodb/notification-store';
import type { ChannelProvider } from '../../functions/core/delivery/ports';
import type { ProviderSource } from '../../functions/runtime/providers/source';
import { type DynamoEmulator, startDynamoEmulator } from '../../local/emulators/dynamodb';

// The send-rate gate runs before the attempt. When it fails on a message's last receive (its
// sender list unreadable, say), the message leaves for the DLQ: the delivery must get its final
// state there and then, as for any other failure outside the provider call, not stay `queued`
// until the reconciler finds it (found in review of issue 22).

const TABLE = 'herald-rate-check';
let emulator: DynamoEmulator;
let store: NotificationStore;
const saved = { ...process.env };

beforeAll(async () => {
  emulator = await startDynamoEmulator({
    host: '127.0.0.1',
    port: 0,
    region: 'us-east-1',
    tableName: TABLE,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  store = new NotificationStore(DynamoDBDocumentClient.from(emulator.client), TABLE);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: emulator.endpoint,
    TABLE_NAME: TABLE,
    QUEUE_URL_SMS: 'http://127.0.0.1:1/000000000000/herald-sms',
    MAX_RECEIVE_COUNT: '5',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
});
afterAll(async () => {
  process.env = saved;
  await emulator.stop();
});

async function seed(id: string) {
  const now = new Date().toISOString();
  await store.create(
    {
      id,
      tenantId: 't1',
      createdAt: now,
      priority: 'normal',
      content: { sms: { text: 'hi' } },
      deliveryCount: 1,
    },
    [
      {
        notificationId: id,
        deliveryId: 'sms#0',
        channel: 'sms',
        recipient: '+14155550123',
        status: 'queued',
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      },
    ],
    Date.now(),
  );
}

function event(id: string, receiveCount: number): SQSEvent {
  const body = { v: 1, notificationId: id, deliveryId: 'sms#0', channel: 'sms' };
  return {
    Records: [
      {
        messageId: `m-${id}`,
        receiptHandle: 'r',
        body: JSON.stringify({ ...body, recipient: '+14155550123' }),
        attributes: { ApproximateReceiveCount: String(receiveCount) },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:herald-sms',
        awsRegion: 'us-east-1',
      },
    ],
  } as unknown as SQSEvent;
}

const context = {
  functionName: 'send-sms',
  awsRequestId: 'req',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

describe('the send-rate gate failing before the attempt', () => {
  it('fails the delivery on its last receive, with the reason, and sends nothing', async () => {
    const { createChannelHandler } = await import('../../functions/runtime/sqs-channel-handler');
    const sent: string[] = [];
    // The stack's provider, whose sender list (read from its secret) cannot be read right now.
    const source: ProviderSource<'sms'> = {
      get: async () =>
        ({
          channel: 'sms',
          send: async (m) => {
            sent.push(m.recipient);
            return {};
          },
        }) as ChannelProvider<'sms'>,
      senders: async () => {
        throw new Error('Secrets Manager unreachable');
      },
    };
    const handler = createChannelHandler('sms', source);

    await seed('n-early');
    const early = await handler(event('n-early', 2), context);
    // Not the last receive: SQS brings it back, the delivery waits for it.
    expect(early.batchItemFailures).toEqual([{ itemIdentifier: 'm-n-early' }]);
    expect((await store.get('n-early'))?.deliveries[0]?.status).toBe('queued');

    await seed('n-last');
    const last = await handler(event('n-last', 5), context);
    expect(last.batchItemFailures).toEqual([{ itemIdentifier: 'm-n-last' }]);
    const delivery = (await store.get('n-last'))?.deliveries[0];
    expect(delivery?.status).toBe('failed');
    expect(delivery?.lastError).toMatch(/gave up after 5 attempts: .*Secrets Manager unreachable/);
    expect(sent).toEqual([]);
  });
});
