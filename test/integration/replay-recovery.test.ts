import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationStore } from '../../functions/adapters/dynamodb/notification-store';
import { SqsDeliveryQueue } from '../../functions/adapters/sqs/delivery-queue';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitForFinal } from '../support/client';

// A delivery a replay re-opened is watched by the reconciler like any open work, with the fresh
// attempt budget the replay promised: on the local stack with a short reconciler timer.

const RECONCILE_AFTER_SECONDS = 2;

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let store: NotificationStore;
let sqs: SQSClient;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    log: () => undefined,
    reconcileIntervalMs: 500,
    reconcileAfterSeconds: RECONCILE_AFTER_SECONDS,
  });
  api = apiClient(stack);
  const db = new DynamoDBClient({
    region: stack.env.AWS_REGION,
    endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  store = new NotificationStore(DynamoDBDocumentClient.from(db), String(stack.env.TABLE_NAME));
  sqs = new SQSClient({ region: stack.env.AWS_REGION });
  // A first run, so that later runs read on from its progress mark, not a week back.
  await stack.reconcile();
});
afterAll(() => {
  sqs?.destroy();
  return stack?.stop();
});

/**
 * A Slack notification whose one delivery failed after `attempts` attempts, as the channel
 * function leaves it, long since passed by the reconciler.
 */
async function failedAndSettled(attempts: number) {
  const id = randomUUID();
  const channel = `#replayed-${id.slice(0, 8)}`;
  const now = Date.now();
  const createdAt = new Date(now - 60_000).toISOString();
  await store.create(
    {
      id,
      tenantId: 'local',
      createdAt,
      priority: 'normal',
      content: { slack: { text: 'replayed' } },
      deliveryCount: 1,
      // Long behind the reconciler (it re-reads only 30 s before its progress mark): it looked
      // at the notification when it fell due, found the delivery final and let it go.
      reconcileAt: now - 120_000,
    },
    [
      {
        notificationId: id,
        deliveryId: 'slack#0',
        channel: 'slack',
        recipient: channel,
        status: 'failed',
        attempts,
        createdAt,
        updatedAt: createdAt,
      },
    ],
    now,
  );
  return { id, channel };
}

describe('a delivery re-opened by replay', () => {
  it('is delivered by the reconciler when its new message never reached the queue', async () => {
    const { id, channel } = await failedAndSettled(2);
    // The replay re-opened it, then the api died before sending its message.
    expect(await store.reopen(id, 'slack#0', Date.now())).toBe(true);

    const final = await waitForFinal(api, id, 20_000);

    expect(final.status).toBe('delivered');
    expect(stack.outbox.list({ recipient: channel })).toHaveLength(1);
  }, 30_000);

  it('gets a fresh attempt budget: a replay message waiting in the queue is not given up', async () => {
    const { id, channel } = await failedAndSettled(5);
    expect(await store.reopen(id, 'slack#0', Date.now())).toBe(true);
    const record = (await store.get(id))?.deliveries[0];
    if (!record) throw new Error('no delivery');
    const queue = new SqsDeliveryQueue(sqs, {
      slack: { normal: String(stack.env.QUEUE_URL_SLACK) },
    });
    // The replay's message waits longer than the reconciler's threshold (a backlog, a delay).
    expect(await queue.enqueue([record], 'normal', RECONCILE_AFTER_SECONDS * 3)).toEqual([]);

    const final = await waitForFinal(api, id, 20_000);

    expect(final.status).toBe('delivered');
    expect(final.deliveries).toEqual([expect.objectContaining({ status: 'delivered' })]);
    expect(stack.outbox.list({ recipient: channel })).toHaveLength(1);
  }, 30_000);
});
