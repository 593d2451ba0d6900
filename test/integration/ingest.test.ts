import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationStore } from '../../functions/adapters/dynamodb/notification-store';
import { SqsDeliveryQueue } from '../../functions/adapters/sqs/delivery-queue';
import { ingestNotification } from '../../functions/core/notifications/ingest';
import type { NotificationRequest } from '../../functions/core/notifications/model';
import { EnqueueError, NotRecordedError } from '../../functions/core/shared/errors';
import { type DynamoEmulator, startDynamoEmulator } from '../../local/emulators/dynamodb';
import { type SqsEmulator, startSqsEmulator } from '../../local/emulators/sqs';

// Ingest against real emulators: what is written and queued, and what a partial enqueue
// failure leaves behind.

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let dynamo: DynamoEmulator;
let sqsEmulator: SqsEmulator;
let sqs: SQSClient;
let store: NotificationStore;

beforeAll(async () => {
  [dynamo, sqsEmulator] = await Promise.all([
    startDynamoEmulator({
      host: '127.0.0.1',
      port: 0,
      region,
      tableName: 'ingest-test',
      credentials,
    }),
    startSqsEmulator({
      port: 0,
      region,
      visibilityTimeoutSeconds: 5,
      maxReceiveCount: 5,
      queuePrefix: 'ingest',
    }),
  ]);
  sqs = new SQSClient({ endpoint: sqsEmulator.endpoint, region, credentials });
  store = new NotificationStore(DynamoDBDocumentClient.from(dynamo.client), 'ingest-test');
});
afterAll(async () => {
  sqs?.destroy();
  await Promise.all([dynamo?.stop(), sqsEmulator?.stop()]);
});

const numbers = (n: number) =>
  Array.from({ length: n }, (_, i) => `+1415${String(i).padStart(7, '0')}`);

function request(
  channels: NotificationRequest['channels'],
  priority: 'high' | 'normal' = 'normal',
): NotificationRequest {
  return { channels, priority };
}

async function drain(queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    if (!answer.Messages?.length) return bodies;
    bodies.push(...answer.Messages.map((m) => m.Body ?? ''));
  }
}

describe('ingestNotification', () => {
  it('records one queued delivery per recipient and puts one message per delivery on the queue', async () => {
    const queues = {
      sms: { normal: sqsEmulator.queues.sms.url, high: sqsEmulator.queues.sms.highUrl },
    };
    const accepted = await ingestNotification(
      { store, queue: new SqsDeliveryQueue(sqs, queues) },
      request({ sms: { channel: 'sms', recipients: numbers(25), content: { text: 'hi' } } }),
      { id: 'n-bulk', tenantId: 't', now: Date.now() },
    );
    expect(accepted).toEqual({ id: 'n-bulk', status: 'accepted', deliveries: 25 });
    const found = await store.get('n-bulk');
    expect(found?.deliveries).toHaveLength(25);
    expect(new Set(found?.deliveries.map((d) => d.status))).toEqual(new Set(['queued']));
    const bodies = await drain(sqsEmulator.queues.sms.url);
    expect(bodies).toHaveLength(25);
    expect(JSON.parse(bodies[0] ?? '{}')).toMatchObject({
      v: 1,
      notificationId: 'n-bulk',
      channel: 'sms',
    });
  });

  it('puts high-priority deliveries on the high lane only', async () => {
    const queues = {
      sms: { normal: sqsEmulator.queues.sms.url, high: sqsEmulator.queues.sms.highUrl },
    };
    await ingestNotification(
      { store, queue: new SqsDeliveryQueue(sqs, queues) },
      request(
        { sms: { channel: 'sms', recipients: numbers(3), content: { text: 'otp' } } },
        'high',
      ),
      { id: 'n-high', tenantId: 't', now: Date.now() },
    );
    expect(await drain(sqsEmulator.queues.sms.highUrl)).toHaveLength(3);
    expect(await drain(sqsEmulator.queues.sms.url)).toHaveLength(0);
  });

  it('on a partial enqueue failure: 503 material, the unqueued deliveries failed, the queued ones left queued', async () => {
    const queues = {
      sms: { normal: sqsEmulator.queues.sms.url },
      email: { normal: `${sqsEmulator.endpoint}/000000000000/no-such-queue` },
    };
    const attempt = ingestNotification(
      { store, queue: new SqsDeliveryQueue(sqs, queues) },
      request({
        sms: { channel: 'sms', recipients: numbers(2), content: { text: 'hi' } },
        email: {
          channel: 'email',
          recipients: ['a@example.com', 'b@example.com'],
          content: { subject: 's', text: 't' },
        },
      }),
      { id: 'n-partial', tenantId: 't', now: Date.now() },
    );
    await expect(attempt).rejects.toBeInstanceOf(EnqueueError);
    await expect(attempt).rejects.toMatchObject({
      notificationId: 'n-partial',
      failedDeliveries: 2,
      queuedDeliveries: 2,
    });
    const found = await store.get('n-partial');
    const byChannel = (c: string) => found?.deliveries.filter((d) => d.channel === c) ?? [];
    expect(byChannel('email').map((d) => d.status)).toEqual(['failed', 'failed']);
    expect(byChannel('email')[0]?.lastError).toMatch(/^not queued:/);
    expect(byChannel('sms').map((d) => d.status)).toEqual(['queued', 'queued']);
    expect(await drain(sqsEmulator.queues.sms.url)).toHaveLength(2);
  });

  it('a send due within the message-delay horizon is written scheduled and delayed in SQS', async () => {
    const queues = { slack: { normal: sqsEmulator.queues.slack.url } };
    const now = Date.now();
    const accepted = await ingestNotification(
      { store, queue: new SqsDeliveryQueue(sqs, queues) },
      {
        channels: { slack: { channel: 'slack', recipients: ['#ops'], content: { text: 'later' } } },
        priority: 'normal',
        sendAt: now + 60_000,
      },
      { id: 'n-delay', tenantId: 't', now },
    );
    expect(accepted.status).toBe('scheduled');
    expect((await store.get('n-delay'))?.deliveries[0]?.status).toBe('scheduled');
    expect(await drain(sqsEmulator.queues.slack.url)).toHaveLength(0);
  });

  it('when the notification write may have been applied but its answer was lost: nothing is left to send', async () => {
    // A client whose PutItem (the notification item, written last) reaches the table and then
    // fails on the way back, as a connection lost after the write would.
    const lossy = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region,
      credentials,
    });
    lossy.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'PutCommand' || context.commandName === 'PutItemCommand') {
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
        }
        return result;
      },
      { step: 'initialize', name: 'lostAnswer' },
    );
    const lossyStore = new NotificationStore(DynamoDBDocumentClient.from(lossy), 'ingest-test');
    const queues = { sms: { normal: sqsEmulator.queues.sms.url } };
    const attempt = ingestNotification(
      { store: lossyStore, queue: new SqsDeliveryQueue(sqs, queues) },
      request({ sms: { channel: 'sms', recipients: numbers(30), content: { text: 'hi' } } }),
      { id: 'n-lost-answer', tenantId: 't', now: Date.now() },
    );
    await expect(attempt).rejects.toBeInstanceOf(NotRecordedError);
    expect(await store.get('n-lost-answer')).toBeUndefined();
    const left = await DynamoDBDocumentClient.from(dynamo.client).send(
      new QueryCommand({
        TableName: 'ingest-test',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'NOTIF#n-lost-answer' },
        ConsistentRead: true,
      }),
    );
    expect(left.Items ?? []).toEqual([]);
    expect(await drain(sqsEmulator.queues.sms.url)).toHaveLength(0);
    lossy.destroy();
  });
});
