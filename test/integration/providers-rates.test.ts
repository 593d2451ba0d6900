import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { FAKE_RATE_SLACK_MS } from '../../local/fakes/rate-enforcer';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor, waitForFinal } from '../support/client';

/** Long code: 1 segment/s, run 5x faster here: 200 ms a segment. */
const SCALE = 5;
const SEGMENT_MS = 1000 / SCALE;

type Delivery = { recipient: string; status: string; attempts: number };

describe('send rates › the stack’s own long code, shared by concurrent sender functions', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let acme: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      log: () => undefined,
      logLevel: 'SILENT',
      senderRateScale: SCALE,
      // Three receive loops per lane, each with its own copy of the sms function.
      pollersPerChannel: 3,
    });
    api = apiClient(stack);
    const keys = new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    );
    acme = apiClient(stack, (await keys.create('t-acme-rates')).key);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const numbers = (prefix: number, count: number) =>
    Array.from({ length: count }, (_, i) => `+1415${prefix}${String(1000 + i)}`);

  async function send(client: typeof api, to: string[], priority: 'high' | 'normal' = 'normal') {
    const { status, body } = await client.post('/v1/notifications', {
      channels: { sms: { to, text: 'Your code is 123456' } },
      priority,
    });
    expect(status).toBe(202);
    return body.id as string;
  }

  /** When the Twilio fake accepted each number, in order. */
  function sentAt(recipients: string[]): number[] {
    const wanted = new Set(recipients);
    return stack.outbox
      .list({ channel: 'sms' })
      .filter((e) => wanted.has(e.recipient))
      .map((e) => Date.parse(e.receivedAt));
  }

  it('holds 1 segment/s per number across concurrent senders: no 429, no extra attempt', async () => {
    const to = numbers(555, 25);
    const id = await send(api, to);
    const done = await waitForFinal(api, id, 30_000);
    const deliveries = done.deliveries as unknown as Delivery[];
    expect(deliveries.every((d) => d.status === 'delivered' || d.status === 'sent')).toBe(true);
    // Waiting for the rate is never an attempt.
    expect(deliveries.map((d) => d.attempts)).toEqual(to.map(() => 1));
    expect(stack.providerRates.refused()).toBe(0);
    const times = sentAt(to).sort((a, b) => a - b);
    expect(times).toHaveLength(25);
    // 25 sends at 200 ms a segment need 24 intervals (less the fake's tolerance): not a burst.
    const span = (times.at(-1) ?? 0) - (times[0] ?? 0);
    expect(span).toBeGreaterThanOrEqual(24 * SEGMENT_MS - FAKE_RATE_SLACK_MS);
  });

  it('lets a high-priority message overtake a throttled normal backlog', async () => {
    const backlog = numbers(556, 40);
    const urgent = '+14157770999';
    const normal = await send(api, backlog);
    await waitFor(
      () => (sentAt(backlog).length >= 3 ? true : undefined),
      10_000,
      'backlog started',
    );
    const high = await send(api, [urgent], 'high');
    await waitForFinal(api, high, 15_000);
    const before = sentAt(backlog).length;
    // It went within about ten normal sends of arriving, not after the other ~35.
    expect(before).toBeLessThan(25);
    await waitForFinal(api, normal, 30_000);
    expect(stack.providerRates.refused()).toBe(0);
  });

  it('keeps one tenant’s burst from starving another tenant on the same number', async () => {
    const burst = numbers(557, 40);
    const first = await send(api, burst);
    await waitFor(() => (sentAt(burst).length >= 3 ? true : undefined), 10_000, 'burst started');
    const other = await send(acme, ['+14158880999']);
    await waitForFinal(acme, other, 15_000);
    // Acme's message waited its turn beside the burst (one horizon), not behind all of it.
    expect(sentAt(burst).length).toBeLessThan(25);
    await waitForFinal(api, first, 30_000);
    expect(stack.providerRates.refused()).toBe(0);
  });
});
