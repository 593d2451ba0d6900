import type { Channel, DeliveryMessage, OutboundMessage, Priority } from '../notifications/model';
import { chooseSender, type SenderBreakers } from './breaker';
import type { LocalBooking } from './local-share';
import type { RateBuckets, RateHold } from './ports';
import { type Sender, type SenderPool, unitsOf } from './senders';

/** How the gate schedules; every field in ms. */
export interface RateGateSettings {
  /** How far ahead a normal-lane delivery may book its sender (the rest waits its turn). */
  normalHorizonMs: number;
  /** How far ahead a high-lane delivery may book: beyond any normal booking, so it goes first. */
  highHorizonMs: number;
  /** Waits up to this long happen inside the function; longer ones wait in the queue. */
  inlineMs: number;
  /** Multiplies every rate (1 deployed; the local stack and bench scale the clock down). */
  rateScale: number;
}

export const DEFAULT_RATE_GATE: RateGateSettings = {
  normalHorizonMs: 5_000,
  highHorizonMs: 120_000,
  inlineMs: 2_000,
  rateScale: 1,
};

export interface RateGateDependencies {
  channel: Channel;
  buckets: RateBuckets;
  /**
   * The senders of each provider this delivery may go through, in failover order (the tenant's
   * own, else the stack's); empty: no rate applies.
   */
  pools: (message: DeliveryMessage) => Promise<SenderPool[]>;
  /**
   * Which senders are open (failing): the next one is chosen instead. `refresh` reads a sender's
   * breaker when no booking brings it (a sender booked in memory), at most once a second.
   */
  breakers: Pick<SenderBreakers, 'isOpen'> & { refresh?(key: string, now: number): Promise<void> };
  /**
   * A fast sender's per-instance share, booked in memory (local-share.ts); undefined (or none
   * given): booked in the shared DynamoDB buckets.
   */
  localShare?: (sender: Sender, pool: SenderPool) => LocalBooking | undefined;
  /** The delivery's content (to count SMS segments); undefined while not readable yet. */
  content: (message: DeliveryMessage) => Promise<OutboundMessage['content'] | undefined>;
  settings: RateGateSettings;
  now?: () => number;
  random?: () => number;
}

/** One received message, as the gate sees it. */
export interface GateInput {
  message: DeliveryMessage;
  lane: Priority;
  receiveCount: number;
  lastReceive: boolean;
  /** What an earlier copy of this message booked (its message attributes). */
  hold?: RateHold;
  /** Longest wait the function may spend on this record before its attempt. */
  maxInlineMs: number;
}

/** What to do with a message before any attempt. */
export type GateDecision =
  /** Send now (after `waitMs` inside the function) from `sender` of provider `route`. */
  | { action: 'send'; sender?: Sender; route?: number; waitMs: number; units: number }
  /** Over the rate: a new copy waits `delayMs` in the same queue, carrying `hold`. */
  | { action: 'requeue'; delayMs: number; hold: RateHold; sender: Sender }
  /** A retried message over the rate: hidden `delayMs` (its visibility), no attempt. */
  | { action: 'wait'; delayMs: number; sender: Sender };

/**
 * Decides whether a delivery may go to its sender now, counted in the provider's unit, before
 * the claim (so a wait is never an attempt). A first receive books a slot and, if the slot is
 * further away than the function should wait, goes back to its queue as a new copy holding the
 * slot (a wait burns no receive of the retry budget). On a sender shared by tenants (the stack's
 * own), each tenant first takes its turn among its own messages: a burst of one tenant is spread
 * over its own schedule and books the sender at most one horizon ahead, so another tenant's
 * message waits at most that long. The high lane books further ahead than the normal lane ever
 * does, so it overtakes a throttled normal backlog.
 */
export async function gateDelivery(
  deps: RateGateDependencies,
  input: GateInput,
): Promise<GateDecision> {
  const decision = await gateOnce(deps, input);
  // The booking itself can tell that another function opened this sender's breaker: choose again
  // (the sender is skipped now; its slot goes unused, which only errs on the slow side).
  const now = deps.now ?? Date.now;
  if (
    decision.action === 'send' &&
    decision.sender &&
    deps.breakers.isOpen(decision.sender.key, now())
  ) {
    return gateOnce(deps, input);
  }
  return decision;
}

async function gateOnce(deps: RateGateDependencies, input: GateInput): Promise<GateDecision> {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const { message, lane } = input;
  const pools = await deps.pools(message);
  const chosen = chooseSender(pools, deps.channel, message.recipient, (key) =>
    deps.breakers.isOpen(key, now()),
  );
  if (!chosen) return { action: 'send', waitMs: 0, units: 1 };
  const { sender, pool, route } = chosen;
  const content = await deps.content(message);
  const units = content ? unitsOf({ channel: deps.channel, content } as OutboundMessage) : 1;
  // A fast sender is booked on this instance's share in memory (no write), else in DynamoDB.
  const local = deps.localShare?.(sender, pool);
  if (local) await deps.breakers.refresh?.(sender.key, now());
  const buckets = local?.buckets ?? deps.buckets;
  const key = local?.key ?? sender.key;
  const rate = local?.ratePerSecond ?? sender.ratePerSecond * deps.settings.rateScale;
  const costMs = (units * 1000) / rate;
  // The normal lane books at most ten sends ahead (and 1-5 s): a high send arriving later waits
  // behind that much at most, whatever the normal backlog.
  const normalHorizon = Math.min(
    deps.settings.normalHorizonMs,
    Math.max(deps.settings.inlineMs, 10 * costMs),
  );
  const inline = Math.max(0, Math.min(deps.settings.inlineMs, input.maxInlineMs));
  // A share in memory is this instance's alone: it books only what it sends itself (the normal
  // lane half the inline wait, the high lane all of it, so the high lane still goes first); a
  // copy that comes back to another instance books there again.
  const horizon = local
    ? lane === 'high'
      ? inline
      : Math.min(normalHorizon, inline / 2)
    : lane === 'high'
      ? deps.settings.highHorizonMs
      : normalHorizon;
  const send = (waitMs: number): GateDecision => ({ action: 'send', sender, route, waitMs, units });
  const fresh = input.receiveCount <= 1;

  if (!fresh) {
    // A retry (after a failed attempt): on its last receive it goes regardless (a 429 is then a
    // transient failure like any other); otherwise it books only what it can use at once.
    if (input.lastReceive) return send(0);
    const booked = await buckets.reserve(key, costMs, inline, now());
    if (booked.granted) return send(Math.max(0, booked.startAt - now()));
    return { action: 'wait', delayMs: booked.freeAt - now() + random() * costMs * 4, sender };
  }

  const hold = input.hold?.sender === key ? input.hold : undefined;
  const requeue = (at: number, next: RateHold): GateDecision => ({
    action: 'requeue',
    // A second early: a copy due now may wait for a free poller; the rest is spent in the function.
    delayMs: Math.max(0, at - now() - 1_000),
    hold: next,
    sender,
  });
  if (hold?.senderSlot !== undefined && !local) {
    const wait = hold.senderSlot - now();
    if (wait > inline) return requeue(hold.senderSlot, hold);
    // Back in time (or at most one unit late): its slot. Much later (a busy queue held it), the
    // slot has gone by unused and later ones are taken: sending now would bunch up with them, so
    // it books again (a missed slot only errs on the slow side).
    if (wait >= -costMs) return send(Math.max(0, wait));
  }

  let tenantSlot = hold?.tenantSlot;
  if (tenantSlot === undefined) {
    // The common case, no backlog: one write books a slot the function can wait for itself.
    // Two slots ahead at most: a function holds a record it waits for, so a burst past that
    // waits in the queue instead (a function's concurrency is worth more than its sleep). A fast
    // sender (an SES account, an FCM project) gets 100 ms: a batch of records booking at once then
    // takes one write each instead of three (turn, sender, refusals), for at most 100 ms of sleep.
    const quick = await buckets.reserve(
      key,
      costMs,
      Math.min(inline, Math.max(2 * costMs, 100)),
      now(),
    );
    if (quick.granted) return send(Math.max(0, quick.startAt - now()));
  }
  // Its turn in the queue of its own lane on this sender (on a sender shared by tenants, of its
  // own tenant too), booked however far ahead: it comes back just before its turn, so a backlog
  // waits in the queue at its own pace and books the sender itself at most one horizon ahead.
  if (tenantSlot === undefined) {
    const shared = pool.owner === 'stack';
    const turnKey = `${key}|${shared ? `tenant:${message.tenantId ?? '-'}|` : ''}${lane}`;
    const turn = await buckets.reserve(turnKey, costMs, Number.POSITIVE_INFINITY, now());
    tenantSlot = turn.granted ? turn.startAt : now();
  }
  const base: RateHold = { sender: key, ...(tenantSlot !== undefined && { tenantSlot }) };
  // Not its turn yet: back at its turn (whole seconds of delay, rounded down: the rest, under a
  // second, is spent in the function once it has booked the sender).
  if (tenantSlot !== undefined && tenantSlot - now() > inline) return requeue(tenantSlot, base);
  const booked = await buckets.reserve(key, costMs, horizon, now());
  if (booked.granted) {
    const wait = booked.startAt - now();
    if (wait <= inline) return send(Math.max(0, wait));
    return requeue(booked.startAt, { ...base, senderSlot: booked.startAt });
  }
  // Booked out beyond this lane's horizon (another tenant, or the high lane): come back when it
  // frees, spread a little so the waiting copies do not all return at once.
  return requeue(booked.freeAt + random() * Math.min(horizon, 50 * costMs), base);
}
