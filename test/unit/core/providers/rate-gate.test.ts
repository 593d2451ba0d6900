import { describe, expect, it } from 'vitest';
import type { DeliveryMessage } from '../../../../functions/core/notifications/model';
import type { RateBuckets, Reservation } from '../../../../functions/core/providers/ports';
import {
  DEFAULT_RATE_GATE,
  type GateInput,
  gateDelivery,
  type RateGateDependencies,
} from '../../../../functions/core/providers/rate-gate';

/** GCRA buckets in memory, the same rule the DynamoDB store applies. */
class MemoryBuckets implements RateBuckets {
  readonly tat = new Map<string, number>();
  async reserve(key: string, costMs: number, horizonMs: number, now: number): Promise<Reservation> {
    const start = Math.max(this.tat.get(key) ?? now, now);
    if (start - now > horizonMs) return { granted: false, freeAt: start - horizonMs };
    this.tat.set(key, start + costMs);
    return { granted: true, startAt: start };
  }
}

function setup(owner = 'stack') {
  let clock = 1_000_000;
  const buckets = new MemoryBuckets();
  const deps: RateGateDependencies = {
    channel: 'sms',
    buckets,
    pools: async () => [{ owner, kind: 'long-code', ids: ['+14155550100'] }],
    breakers: { isOpen: () => false },
    content: async () => ({ text: 'hello' }),
    settings: DEFAULT_RATE_GATE,
    now: () => clock,
    random: () => 0,
  };
  const message = (n: number, tenantId = 't1'): DeliveryMessage => ({
    v: 1,
    notificationId: `n${n}`,
    deliveryId: 'sms#0',
    channel: 'sms',
    recipient: `+1415555${String(1000 + n)}`,
    tenantId,
  });
  const input = (m: DeliveryMessage, extra: Partial<GateInput> = {}): GateInput => ({
    message: m,
    lane: 'normal',
    receiveCount: 1,
    lastReceive: false,
    maxInlineMs: 60_000,
    ...extra,
  });
  return {
    deps,
    buckets,
    message,
    input,
    advance: (ms: number) => (clock += ms),
    now: () => clock,
  };
}

describe('gateDelivery', () => {
  it('sends at once while the number is idle, then spaces sends 1 s apart (1 segment/s)', async () => {
    const { deps, message, input } = setup();
    expect(await gateDelivery(deps, input(message(1)))).toMatchObject({
      action: 'send',
      waitMs: 0,
    });
    expect(await gateDelivery(deps, input(message(2)))).toMatchObject({
      action: 'send',
      waitMs: 1000,
    });
  });

  it('books a fast sender (an SES account, an FCM project) in one write for a batch arriving at once', async () => {
    const { deps, buckets, message, input } = setup();
    // 1,400 messages/s (SES's 14/s on the local 100x clock): 10 records of one batch book together.
    deps.pools = async () => [
      { owner: 'stack', kind: 'ses-account', ids: ['account'], ratePerSecond: 1400 },
    ];
    deps.channel = 'email';
    let writes = 0;
    const reserve = buckets.reserve.bind(buckets);
    buckets.reserve = (...args) => {
      writes += 1;
      return reserve(...args);
    };
    for (let n = 1; n <= 10; n++) {
      expect(await gateDelivery(deps, input(message(n)))).toMatchObject({ action: 'send' });
    }
    // No turn bookings: each slot is within ~100 ms, which the function waits itself.
    expect(writes).toBe(10);
  });

  it('counts segments: a two-segment SMS books two seconds', async () => {
    const { deps, message, input } = setup();
    deps.content = async () => ({ text: 'ж'.repeat(100) });
    await gateDelivery(deps, input(message(1)));
    const next = await gateDelivery(deps, input(message(2)));
    // Its slot is 2 s away: within what the function waits itself (the third would not be).
    expect(next).toMatchObject({ action: 'send', waitMs: 2000, units: 2 });
    expect(await gateDelivery(deps, input(message(3)))).toMatchObject({ action: 'requeue' });
  });

  it('puts a delivery over the rate back in its queue holding its slot, which it then uses', async () => {
    const { deps, message, input, advance } = setup('t1/own');
    for (let i = 0; i < 3; i++) await gateDelivery(deps, input(message(i)));
    const waiting = await gateDelivery(deps, input(message(9)));
    // Its slot is 3 s away: the copy comes back a second early (a busy queue may hold it)...
    expect(waiting).toMatchObject({ action: 'requeue', delayMs: 2000 });
    if (waiting.action !== 'requeue') throw new Error('unreachable');
    expect(waiting.hold.senderSlot).toBe(1_000_000 + 3000);
    advance(2100);
    const back = await gateDelivery(deps, input(message(9), { hold: waiting.hold }));
    // ...and waits the rest in the function, taking no second slot.
    expect(back).toMatchObject({ action: 'send', waitMs: 900 });
    // Back far too late (its slot long gone and taken after): it books again rather than bunch up.
    advance(10_000);
    const late = await gateDelivery(deps, input(message(9), { hold: waiting.hold }));
    expect(late).toMatchObject({ action: 'send', waitMs: 0 });
  });

  it('lets the high lane book ahead of a normal backlog that is held at the horizon', async () => {
    const { deps, message, input } = setup('t1/own');
    const normal = [];
    for (let i = 0; i < 30; i++) normal.push(await gateDelivery(deps, input(message(i))));
    // The normal lane books at most ~5 s ahead; the rest waits without a slot.
    expect(
      normal.filter((d) => d.action === 'requeue' && d.hold.senderSlot === undefined).length,
    ).toBeGreaterThan(20);
    const high = await gateDelivery(deps, input(message(99), { lane: 'high' }));
    expect(high.action).toBe('requeue');
    if (high.action !== 'requeue') throw new Error('unreachable');
    expect(high.delayMs).toBeLessThanOrEqual(6000);
  });

  it('gives each tenant its own turn on a shared number: a burst books its own schedule', async () => {
    const { deps, message, input } = setup('stack');
    for (let i = 0; i < 50; i++) await gateDelivery(deps, input(message(i, 'big')));
    const small = await gateDelivery(deps, input(message(1, 'small')));
    expect(small.action).toBe('requeue');
    if (small.action !== 'requeue') throw new Error('unreachable');
    // Within one horizon of now, not behind the 50 s the burst asked for.
    expect(small.delayMs).toBeLessThanOrEqual(6000);
  });

  it('never holds a retried message beyond one receive, and lets the last receive go', async () => {
    const { deps, message, input } = setup();
    for (let i = 0; i < 5; i++) await gateDelivery(deps, input(message(i)));
    expect(await gateDelivery(deps, input(message(7), { receiveCount: 2 }))).toMatchObject({
      action: 'wait',
    });
    expect(
      await gateDelivery(deps, input(message(7), { receiveCount: 5, lastReceive: true })),
    ).toMatchObject({
      action: 'send',
      waitMs: 0,
    });
  });

  it('lets a channel without senders through untouched', async () => {
    const { deps, message, input, buckets } = setup();
    deps.pools = async () => [];
    expect(await gateDelivery(deps, input(message(1)))).toEqual({
      action: 'send',
      waitMs: 0,
      units: 1,
    });
    expect(buckets.tat.size).toBe(0);
  });
});
