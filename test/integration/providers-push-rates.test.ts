import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { createLocalServiceAccount } from '../../local/fakes/fcm-fake';
import { FAKE_RATE_SLACK_MS } from '../../local/fakes/rate-enforcer';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitForFinal } from '../support/client';

/** FCM's 10,000 messages/s per project, run 500x slower here: 20/s, 50 ms a message. */
const SCALE = 0.002;
const MESSAGE_MS = 1000 / (10_000 * SCALE);

type Client = ReturnType<typeof apiClient>;
type Delivery = { recipient: string; status: string; attempts: number };

describe('send rates › an FCM project, shared by concurrent push functions', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      log: () => undefined,
      logLevel: 'SILENT',
      senderRateScale: SCALE,
      // Three receive loops per lane, each with its own copy of the push function.
      pollersPerChannel: 3,
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function burst(client: Client, tokens: string[]) {
    const { status, body } = await client.post('/v1/notifications', {
      channels: { push: { tokens, title: 'Sale', body: 'now' } },
    });
    expect(status).toBe(202);
    const done = await waitForFinal(client, body.id as string, 30_000);
    return done.deliveries as unknown as Delivery[];
  }

  /** When the FCM fake accepted each token, in order. */
  const sentAt = (tokens: string[]) => {
    const wanted = new Set(tokens);
    return stack.outbox
      .list({ channel: 'push' })
      .filter((e) => wanted.has(e.recipient))
      .map((e) => Date.parse(e.receivedAt))
      .sort((a, b) => a - b);
  };

  it('holds the stack’s project to its rate: no 429 QUOTA_EXCEEDED, no extra attempt', async () => {
    const tokens = Array.from({ length: 40 }, (_, i) => `token-burst-${i}`);
    const deliveries = await burst(apiClient(stack), tokens);
    expect(deliveries.map((d) => d.status)).toEqual(tokens.map(() => 'sent'));
    // Waiting for the rate is never an attempt.
    expect(deliveries.map((d) => d.attempts)).toEqual(tokens.map(() => 1));
    expect(stack.providerRates.refused('fcm:')).toBe(0);
    const times = sentAt(tokens);
    expect(times).toHaveLength(40);
    // 40 sends at 50 ms a message need 39 intervals (less the fake's tolerance): not a burst.
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(
      39 * MESSAGE_MS - FAKE_RATE_SLACK_MS,
    );
  });

  it('holds a tenant’s own project to the rate its provider config sets', async () => {
    const keys = new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    );
    const { key } = await keys.create('t-acme-push-rates', { scopes: ['send', 'read', 'admin'] });
    const acme = apiClient(stack, key);
    // 2,500/s, run at the same scale: 5/s, 200 ms a message (the fake allows its project 20/s);
    // booked on 5 shards of 500/s (one bucket item takes ~1,000 writes/s), summing to it.
    const put = await acme.request('PUT', '/v1/providers/push/main', {
      serviceAccount: createLocalServiceAccount('acme-rated'),
      ratePerSecond: 2_500,
    });
    expect(put.status).toBe(201);
    expect(put.body.rates).toEqual([
      { sender: 'acme-rated', ratePerSecond: 2_500, breaker: 'closed', recentFailures: 0 },
    ]);
    const tokens = Array.from({ length: 12 }, (_, i) => `token-acme-rated-${i}`);
    const deliveries = await burst(acme, tokens);
    expect(deliveries.map((d) => d.status)).toEqual(tokens.map(() => 'sent'));
    expect(deliveries.map((d) => d.attempts)).toEqual(tokens.map(() => 1));
    const times = sentAt(tokens);
    expect(stack.outbox.list({ channel: 'push', recipient: tokens[0] })[0]?.account).toBe(
      'acme-rated',
    );
    // 12 sends at 200 ms need 11 intervals; at the fake's 20/s they would take a quarter of that.
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(11 * 200 - 1000);
  });
});
