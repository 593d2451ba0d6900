import { describe, expect, it } from 'vitest';
import type { DeliveryMessage } from '../../../../functions/core/notifications/model';
import { createLocalShare } from '../../../../functions/core/providers/local-share';
import type { RateBuckets } from '../../../../functions/core/providers/ports';
import { fcmPool } from '../../../../functions/core/providers/push-config';
import {
  DEFAULT_RATE_GATE,
  type GateDecision,
  type GateInput,
  gateDelivery,
  type RateGateDependencies,
} from '../../../../functions/core/providers/rate-gate';
import { senderFor } from '../../../../functions/core/providers/senders';

/** The shared DynamoDB buckets: counts every booking (a write each). */
function countingBuckets() {
  const keys: string[] = [];
  const buckets: RateBuckets = {
    reserve: async (key, _cost, _horizon, now) => {
      keys.push(key);
      return { granted: true, startAt: now };
    },
  };
  return { buckets, keys };
}

const PUSH_FUNCTION = { concurrency: 52, batchSize: 10, rateScale: 1 };

/** One push function instance: its own share, the stack's FCM project (10,000/s). */
function instance(clock: { now: number }, settings = PUSH_FUNCTION) {
  const shared = countingBuckets();
  const deps: RateGateDependencies = {
    channel: 'push',
    buckets: shared.buckets,
    pools: async () => [fcmPool('stack', 'herald-prod')],
    breakers: { isOpen: () => false },
    content: async () => ({ title: 't', body: 'b' }),
    settings: { ...DEFAULT_RATE_GATE, rateScale: settings.rateScale },
    localShare: createLocalShare(settings),
    now: () => clock.now,
    random: () => 0,
  };
  return { deps, writes: shared.keys };
}

let serial = 0;
const push = (lane: 'normal' | 'high' = 'normal'): GateInput => {
  serial++;
  const message: DeliveryMessage = {
    v: 1,
    notificationId: `n${serial}`,
    deliveryId: `push#${serial}`,
    channel: 'push',
    recipient: `token-${serial}`,
    tenantId: 't1',
  };
  return { message, lane, receiveCount: 1, lastReceive: false, maxInlineMs: 60_000 };
};

/** When each granted send goes out (epoch ms). */
const sendTimes = (decisions: GateDecision[], now: number) =>
  decisions.flatMap((d) => (d.action === 'send' ? [now + d.waitMs] : []));

describe('the per-instance share of a fast sender (issue 22)', () => {
  it('books an FCM project in memory, as the project, at rate / concurrency', () => {
    const share = createLocalShare(PUSH_FUNCTION);
    const pool = fcmPool('stack', 'herald-prod');
    const booking = share(senderFor(pool, 'push', 'token-1'), pool);
    // The shards (one DynamoDB item cannot take 10,000 writes/s) are one project in memory.
    expect(booking?.key).toBe('stack:push:herald-prod');
    expect(booking?.ratePerSecond).toBeCloseTo(10_000 / 52);
  });

  it('keeps DynamoDB where the share would throttle an instance or tenants share a sender', () => {
    const share = createLocalShare({ concurrency: 4, batchSize: 10, rateScale: 1 });
    const ses = { owner: 'stack', kind: 'ses-account' as const, ids: ['account'] };
    expect(share(senderFor(ses, 'email', 'a@example.com'), ses)).toBeUndefined();
    const sms = { owner: 'stack', kind: 'short-code' as const, ids: ['12345'] };
    expect(share(senderFor(sms, 'sms', '+14155550100'), sms)).toBeUndefined();
    // A tenant's project at 300/s over 52 instances: 5.8/s each, less than a batch sends.
    const slow = fcmPool('t/main', 'acme', 300);
    const push = createLocalShare(PUSH_FUNCTION);
    expect(push(senderFor(slow, 'push', 'token-1'), slow)).toBeUndefined();
    // A slowed-down local clock never turns the share into a throttle.
    const fcm = fcmPool('stack', 'herald-prod');
    const slowClock = createLocalShare({ ...PUSH_FUNCTION, rateScale: 0.002 });
    expect(slowClock(senderFor(fcm, 'push', 'token-1'), fcm)).toBeUndefined();
    // No concurrency known: DynamoDB as before.
    const unknown = createLocalShare({ ...PUSH_FUNCTION, concurrency: 0 });
    expect(unknown(senderFor(fcm, 'push', 'token-1'), fcm)).toBeUndefined();
  });

  it('never sends more than its share, with no DynamoDB write; over it a copy waits, never an attempt', async () => {
    const clock = { now: 1_000_000 };
    const { deps, writes } = instance(clock);
    const decisions: GateDecision[] = [];
    for (let i = 0; i < 600; i++) decisions.push(await gateDelivery(deps, push()));
    expect(writes).toEqual([]);
    const times = sendTimes(decisions, clock.now);
    const share = 10_000 / 52;
    // Within the first second: at most the share (the first slot is now, no burst beyond it).
    expect(times.filter((t) => t < clock.now + 1000).length).toBeLessThanOrEqual(Math.ceil(share));
    // Consecutive sends are at least one share interval apart.
    const sorted = [...times].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      expect((sorted[i] as number) - (sorted[i - 1] as number)).toBeGreaterThanOrEqual(
        1000 / share - 1e-9,
      );
    }
    // The rest: a delayed copy in the queue (no attempt), none sent now.
    const rest = decisions.filter((d) => d.action !== 'send');
    expect(rest.length).toBe(600 - times.length);
    expect(rest.every((d) => d.action === 'requeue')).toBe(true);
  });

  it('the shares of every instance together never exceed the project’s rate', async () => {
    const clock = { now: 1_000_000 };
    const all: number[] = [];
    for (let i = 0; i < PUSH_FUNCTION.concurrency; i++) {
      const { deps } = instance(clock);
      const decisions: GateDecision[] = [];
      for (let j = 0; j < 500; j++) decisions.push(await gateDelivery(deps, push()));
      all.push(...sendTimes(decisions, clock.now));
    }
    for (const from of [0, 500, 1000]) {
      const start = clock.now + from;
      const inSecond = all.filter((t) => t >= start && t < start + 1000).length;
      // 10,000/s, plus at most each instance's one slot at the window's edge.
      expect(inSecond).toBeLessThanOrEqual(10_000 + PUSH_FUNCTION.concurrency);
    }
  });

  it('lets the high lane go first: it books past what the normal lane may hold', async () => {
    const clock = { now: 1_000_000 };
    const { deps } = instance(clock);
    let normal: GateDecision;
    do normal = await gateDelivery(deps, push('normal'));
    while (normal.action === 'send');
    // The normal lane is held at its horizon; a high-lane push still goes from this instance.
    expect(normal.action).toBe('requeue');
    const high = await gateDelivery(deps, push('high'));
    expect(high).toMatchObject({ action: 'send' });
    const normalAgain = await gateDelivery(deps, push('normal'));
    expect(normalAgain.action).toBe('requeue');
  });

  it('reads the breaker of a sender booked in memory and fails over when another instance opened it', async () => {
    const clock = { now: 1_000_000 };
    // Two projects of 400/s (one bucket each), two instances: 200/s a share.
    const { deps } = instance(clock, { concurrency: 2, batchSize: 10, rateScale: 1 });
    const open = new Set<string>();
    const refreshed: string[] = [];
    deps.pools = async () => [fcmPool('stack', 'first', 400), fcmPool('t/backup', 'second', 400)];
    deps.breakers = {
      isOpen: (key) => open.has(key),
      refresh: async (key) => {
        refreshed.push(key);
        // Another instance counted the failures: the item says open.
        if (key.startsWith('stack:')) open.add(key);
      },
    };
    const decision = await gateDelivery(deps, push());
    expect(refreshed).toEqual(['stack:push:first', 't/backup:push:second']);
    expect(decision).toMatchObject({ action: 'send', route: 1 });
    if (decision.action === 'send') expect(decision.sender?.key).toBe('t/backup:push:second');
  });
});
