import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { TokenBucketStore } from '../../../../functions/adapters/dynamodb/token-bucket-store';
import type { DeliveryMessage } from '../../../../functions/core/notifications/model';
import { BatchedBuckets } from '../../../../functions/core/providers/batch-booking';
import {
  DEFAULT_RATE_GATE,
  type GateDecision,
  type GateInput,
  gateDelivery,
} from '../../../../functions/core/providers/rate-gate';

type Input = {
  UpdateExpression?: string;
  ConditionExpression?: string;
  ExpressionAttributeValues?: Record<string, number>;
  Key: { pk: string };
};

/**
 * The two conditional UpdateItems of the bucket store, evaluated on items in memory the way
 * DynamoDB does (a refusal carries the item, as on AWS); counts every write.
 */
function fakeTable() {
  const tat = new Map<string, number>();
  const writes: Input[] = [];
  const db = {
    send: async (command: { input: Input }) => {
      const input = command.input;
      const values = input.ExpressionAttributeValues ?? {};
      const current = tat.get(input.Key.pk);
      if (!input.UpdateExpression)
        return { Item: current === undefined ? undefined : { tat: current } };
      writes.push(input);
      const condition = input.ConditionExpression ?? '';
      const floor = values[':floor'] as number;
      const ok = condition.startsWith('attribute_not_exists')
        ? current === undefined || current < floor
        : current !== undefined &&
          current >= floor &&
          (!condition.includes('BETWEEN') || current <= (values[':limit'] as number));
      if (!ok) {
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: current === undefined ? undefined : { tat: { N: String(current) } },
        });
      }
      const next = input.UpdateExpression.includes('tat + :cost')
        ? (current as number) + (values[':cost'] as number)
        : (values[':tat'] as number);
      tat.set(input.Key.pk, next);
      return { Attributes: { tat: next } };
    },
  };
  return { db: db as unknown as DynamoDBDocumentClient, writes, tat };
}

describe('booking several records of a batch in one write (issue 22)', () => {
  it('books ten records for one SES account with one UpdateItem, slots in order', async () => {
    const table = fakeTable();
    const store = new TokenBucketStore(table.db, 'table');
    const now = 1_000_000;
    const batched = new BatchedBuckets(store, { windowMs: 5, now: () => now });
    // 14/s: 71.4 ms a message; a normal-lane horizon of 2 s holds all ten.
    const cost = 1000 / 14;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => batched.reserve('stack:email:account', cost, 2_000, now)),
    );
    expect(table.writes).toHaveLength(1);
    expect(answers.map((a) => (a.granted ? a.startAt - now : Number.NaN))).toEqual(
      Array.from({ length: 10 }, (_, i) => expect.closeTo(i * cost, 6)),
    );
    expect(table.tat.get('RATE#stack:email:account')).toBeCloseTo(now + 10 * cost);
  });

  it('grants only the slots that start within the horizon, as booking them one by one would', async () => {
    const table = fakeTable();
    const store = new TokenBucketStore(table.db, 'table');
    const now = 1_000_000;
    table.tat.set('RATE#s', now + 500);
    const answers = await store.reserveMany('s', [200, 200, 200, 200, 200], 1_000, now);
    // Slots at +500, +700, +900 are within 1 s; +1,100 and +1,300 are not.
    expect(answers.filter((a) => a.granted)).toHaveLength(3);
    expect(answers.slice(3).every((a) => !a.granted)).toBe(true);
    // A bucket this store never saw is tried idle first (refused: it is busy), then booked.
    expect(table.writes).toHaveLength(2);
    expect(table.tat.get('RATE#s')).toBe(now + 1_100);
  });

  it('counts again when another function moved the bucket meanwhile (never past the horizon)', async () => {
    const table = fakeTable();
    const store = new TokenBucketStore(table.db, 'table');
    const now = 1_000_000;
    await store.reserve('s', 100, 1_000, now); // seen: tat = now + 100
    table.tat.set('RATE#s', now + 800); // another function booked seven slots
    const answers = await store.reserveMany('s', [100, 100, 100, 100, 100], 1_000, now);
    expect(answers.map((a) => (a.granted ? a.startAt - now : 'no'))).toEqual([
      800,
      900,
      1_000,
      'no',
      'no',
    ]);
    // The first try (five slots from +100) was refused; the second booked three.
    expect(table.writes).toHaveLength(3);
  });

  it('never merges another horizon (the high lane) or another key (a tenant’s turn, a lane’s turn)', async () => {
    const calls: { key: string; costs: readonly number[]; horizon: number }[] = [];
    const batched = new BatchedBuckets(
      {
        reserveMany: async (key, costs, horizon, now) => {
          calls.push({ key, costs, horizon });
          return costs.map(() => ({ granted: true as const, startAt: now }));
        },
      },
      { windowMs: 5 },
    );
    await Promise.all([
      batched.reserve('s|tenant:a|normal', 10, Number.POSITIVE_INFINITY, 0),
      batched.reserve('s|tenant:b|normal', 10, Number.POSITIVE_INFINITY, 0),
      batched.reserve('s|tenant:a|normal', 10, Number.POSITIVE_INFINITY, 0),
      batched.reserve('s', 10, 2_000, 0),
      batched.reserve('s', 10, 120_000, 0),
      batched.reserve('s', 10, 2_000, 0),
    ]);
    expect(calls.map((c) => [c.key, c.costs.length, c.horizon]).sort()).toEqual(
      [
        ['s', 2, 2_000],
        ['s', 1, 120_000],
        ['s|tenant:a|normal', 2, Number.POSITIVE_INFINITY],
        ['s|tenant:b|normal', 1, Number.POSITIVE_INFINITY],
      ].sort(),
    );
  });

  it('books what arrives while a write is in flight with the next write', async () => {
    const sizes: number[] = [];
    let release: () => void = () => undefined;
    const batched = new BatchedBuckets(
      {
        reserveMany: async (_key, costs, _horizon, now) => {
          sizes.push(costs.length);
          if (sizes.length === 1) await new Promise<void>((resolve) => (release = resolve));
          return costs.map(() => ({ granted: true as const, startAt: now }));
        },
      },
      { windowMs: 1 },
    );
    const first = batched.reserve('s', 10, 1_000, 0);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const later = [1, 2, 3].map(() => batched.reserve('s', 10, 1_000, 0));
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    await Promise.all([first, ...later]);
    expect(sizes).toEqual([1, 3]);
  });

  it('a batch of ten emails through the gate: one write books them all (quick booking)', async () => {
    const table = fakeTable();
    const store = new TokenBucketStore(table.db, 'table');
    const now = 1_000_000;
    const deps = {
      channel: 'email' as const,
      buckets: new BatchedBuckets(store, { windowMs: 5, now: () => now }),
      // SES at 14/s on the local 100x clock: 0.7 ms a message, 100 ms of quick booking.
      pools: async () => [{ owner: 'stack', kind: 'ses-account' as const, ids: ['account'] }],
      breakers: { isOpen: () => false },
      content: async () => ({ subject: 's', text: 't' }),
      settings: { ...DEFAULT_RATE_GATE, rateScale: 100 },
      now: () => now,
    };
    const input = (i: number): GateInput => ({
      message: {
        v: 1,
        notificationId: `n${i}`,
        deliveryId: `email#${i}`,
        channel: 'email',
        recipient: `r${i}@example.com`,
        tenantId: 't1',
      } as DeliveryMessage,
      lane: 'normal',
      receiveCount: 1,
      lastReceive: false,
      maxInlineMs: 60_000,
    });
    const decisions: GateDecision[] = await Promise.all(
      Array.from({ length: 10 }, (_, i) => gateDelivery(deps, input(i))),
    );
    expect(decisions.every((d) => d.action === 'send')).toBe(true);
    expect(table.writes).toHaveLength(1);
    const waits = decisions.map((d) => (d.action === 'send' ? d.waitMs : -1)).sort((a, b) => a - b);
    expect(new Set(waits).size).toBe(10);
  });
});
