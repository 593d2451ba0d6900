import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationStore } from '../../functions/adapters/dynamodb/notification-store';
import type { DeliveryStatus } from '../../functions/core/notifications/model';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor, waitForFinal } from '../support/client';

// The reconciler on the local stack, on its short timer: work that nothing would ever pick up
// again (records written but never enqueued, a scheduled release that never came) still reaches
// a final state, sent once.

const RECONCILE_AFTER_SECONDS = 2;

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let store: NotificationStore;

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
});
afterAll(() => stack?.stop());

/**
 * What the api writes for a Slack notification, without what comes after it: as if the function
 * died right after the write (queued), or its schedule's release ended in the DLQ (scheduled).
 */
async function orphan(status: DeliveryStatus & ('queued' | 'scheduled'), channel: string) {
  const id = randomUUID();
  const now = Date.now();
  const createdAt = new Date(now).toISOString();
  await store.create(
    {
      id,
      tenantId: 'local',
      createdAt,
      ...(status === 'scheduled' && { sendAt: createdAt }),
      priority: 'normal',
      content: { slack: { text: `orphaned ${status}` } },
      deliveryCount: 1,
      reconcileAt: now + RECONCILE_AFTER_SECONDS * 1000,
    },
    [
      {
        notificationId: id,
        deliveryId: 'slack#0',
        channel: 'slack',
        recipient: channel,
        status,
        attempts: 0,
        createdAt,
        updatedAt: createdAt,
      },
    ],
    now,
  );
  return id;
}

describe('reconciler on the local stack', () => {
  it('delivers, once, deliveries recorded queued but never enqueued (the api died in between)', async () => {
    const channel = `#orphan-${randomUUID().slice(0, 8)}`;
    const id = await orphan('queued', channel);

    const final = await waitForFinal(api, id, 20_000);

    expect(final.status).toBe('delivered');
    expect(final.deliveries).toEqual([expect.objectContaining({ attempts: 1 })]);
    expect(stack.outbox.list({ recipient: channel })).toHaveLength(1);
  });

  it('releases and delivers scheduled deliveries whose release never came', async () => {
    const channel = `#lost-release-${randomUUID().slice(0, 8)}`;
    const id = await orphan('scheduled', channel);

    const final = await waitForFinal(api, id, 20_000);

    expect(final.status).toBe('delivered');
    expect(stack.outbox.list({ recipient: channel })).toHaveLength(1);
  });

  it('leaves a notification that settled normally alone', async () => {
    const channel = `#normal-${randomUUID().slice(0, 8)}`;
    const accepted = await api.post('/v1/notifications', {
      channels: { slack: { channel, text: 'hello' } },
    });
    const id = String(accepted.body.id);
    await waitForFinal(api, id);
    await new Promise((resolve) => setTimeout(resolve, RECONCILE_AFTER_SECONDS * 1000 + 500));

    const report = await stack.reconcile();

    expect(report.stuck.filter((s) => s.notificationId === id)).toEqual([]);
    await waitFor(() =>
      stack.outbox.list({ recipient: channel }).length === 1 ? true : undefined,
    );
  });
});
