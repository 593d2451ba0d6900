import { createHash } from 'node:crypto';
import { fanoutShardOf } from '../notifications/delivery-shards';
import type { Channel, DeliveryRecord, NotificationRequest } from '../notifications/model';
import type { Clock, DeliveryQueue, NotificationRepository } from '../notifications/ports';
import { CANCEL_CANDIDATES } from '../notifications/status';
import type { RecipientStore, SuppressionLookup } from '../recipients/ports';
import type { Category } from '../recipients/preferences';
import { type ResolveContext, resolveRecipients } from '../recipients/resolve';
import { mapWithConcurrency } from '../shared/concurrency';
import { type FanoutMessage, type FanoutState, topicShardOf } from './model';
import type { FanoutQueue, FanoutStore, TopicStore } from './ports';

/*
 * The fan-out stage: one message = one page of a topic's subscribers. Each page is resolved by
 * the recipients' own resolver (preferences, address health: core/recipients/resolve.ts), its
 * deliveries are created with ids derived from (channel, recipient id, address) by conditional
 * creates, enqueued on the notification's lane, and only then is the checkpoint moved past the
 * page (conditional on it still naming this page). A crash or a redelivered copy anywhere in
 * between re-runs the page: the creates find the items already there and leave them alone, the
 * enqueue may send a second message for a delivery, whose conditional claim lets only one
 * attempt through. So every subscriber gets each delivery once, however often a page is re-run.
 */

export interface FanoutDependencies {
  fanouts: FanoutStore;
  topics: TopicStore;
  recipients: RecipientStore;
  suppressions?: SuppressionLookup;
  /** The notification's deliveries (cancel) and its tenant (exists?). */
  store: NotificationRepository;
  queue: DeliveryQueue;
  fanoutQueue: FanoutQueue;
  /** The category a send named, as the tenant defines it now. */
  category: (tenantId: string, key: string) => Promise<Category | undefined>;
  /** The tenant's MQTT namespace (`<prefix><tenant>/`), or why it has none. */
  mqtt: (tenantId: string) => ResolveContext['mqtt'];
  /** Subscribers per page (a BatchGetItem per 100 of them). */
  pageSize: number;
  /** A checkpoint that has not moved for this long counts as stalled (the reconciler re-sends it). */
  stallAfterMs: number;
  /** Retention of the delivery items, epoch seconds from `now`. */
  expiresAt: (now: number) => number;
  now?: Clock;
}

export type FanoutOutcome =
  | {
      outcome: 'page';
      page: number;
      created: number;
      enqueued: number;
      skipped: number;
      done: boolean;
    }
  | { outcome: 'stale' | 'missing' | 'finished' | 'cancelled' | 'lost-race' | 'waiting' };

/** Seconds a message due at `notBefore` still waits (one SQS delay: at most 900). */
export function waitSeconds(notBefore: number | undefined, now: number): number {
  if (notBefore === undefined || notBefore <= now) return 0;
  return Math.min(900, Math.ceil((notBefore - now) / 1000));
}

const stripVersion = ({ v: _v, ...message }: FanoutMessage) => message;

/**
 * Delivery id of a topic send: the same recipient and address always give the same id. It names
 * the delivery's item shard (`<channel>#<shard>.`, from the hash: delivery-shards.ts), then the
 * recipient's subscription shard (the order the fan-out reads them in), so a shard's delivery
 * items sort roughly in the order they were created, and the completion check, which reads newest
 * first and stops at the first open one, keeps reading a page or two.
 */
export function fanoutDeliveryId(
  channel: Channel,
  recipientId: string,
  address: string,
  sharded = true,
): string {
  const hash = createHash('sha256').update(`${recipientId}\n${address}`).digest('hex');
  const rest = `${topicShardOf(recipientId).toString(16)}${hash.slice(0, 19)}`;
  return sharded ? `${channel}#${fanoutShardOf(hash.slice(19))}.${rest}` : `${channel}#${rest}`;
}

/** Handles one fan-out message. Throws (to be retried) when a write or an enqueue failed. */
export async function fanoutPage(
  deps: FanoutDependencies,
  message: FanoutMessage,
): Promise<FanoutOutcome> {
  const clock = deps.now ?? Date.now;
  const state = await deps.fanouts.get(message.notificationId);
  if (!state) return { outcome: 'missing' };
  if (state.status === 'cancelled') {
    await sweepCancelled(deps, state, clock());
    return { outcome: 'cancelled' };
  }
  if (state.status === 'done') return { outcome: 'finished' };
  if (message.page !== state.page) {
    // A copy of a page already done: its checkpoint moved, but the message for the next page
    // may never have gone out (the function died in between). Sending it again is harmless.
    if (message.page === state.page - 1) {
      await deps.fanoutQueue.send({ notificationId: state.notificationId, page: state.page });
    }
    return { outcome: 'stale' };
  }
  // A send due later: the message goes back to wait, at most SQS's 15 minutes a hop.
  const wait = waitSeconds(message.notBefore, clock());
  if (wait > 0) {
    await deps.fanoutQueue.send({ ...stripVersion(message) }, wait);
    return { outcome: 'waiting' };
  }
  // The notification item is the commit of a topic send: without it nothing goes out.
  if (!(await deps.store.getTenant(state.notificationId))) return { outcome: 'missing' };

  const listing = await deps.topics.subscribers(state.tenantId, state.topic, {
    ...(state.cursor !== undefined && { cursor: state.cursor }),
    limit: deps.pageSize,
  });
  const now = clock();
  const deliveries = await resolvePage(deps, state, listing.items, now);
  const created = await deps.fanouts.createDeliveries(deliveries, deps.expiresAt(now), state.page);
  const sendable = deliveries.filter((d) => d.status !== 'skipped');

  // A cancel that came while the items were written: they are cancelled here (or by the
  // cancel itself, which reads the deliveries after marking the fan-out), never enqueued.
  const current = await deps.fanouts.get(state.notificationId);
  if (current?.status !== 'running') {
    await cancelEach(deps, state.notificationId, sendable, clock());
    return { outcome: 'cancelled' };
  }
  const failed = await deps.queue.enqueue(sendable, state.priority);
  if (failed.length > 0) {
    throw new Error(`${failed.length} deliveries of page ${state.page} could not be enqueued`);
  }
  const done = listing.nextCursor === undefined;
  const moved = await deps.fanouts.checkpoint(
    state.notificationId,
    state.page,
    {
      ...(listing.nextCursor !== undefined && { cursor: listing.nextCursor }),
      done,
      stallAt: clock() + deps.stallAfterMs,
      now: new Date(clock()).toISOString(),
    },
    {
      total: listing.items.length,
      enqueued: sendable.length,
      skipped: deliveries.length - sendable.length,
    },
  );
  if (!moved) return { outcome: 'lost-race' };
  if (!done) {
    await deps.fanoutQueue.send({ notificationId: state.notificationId, page: state.page + 1 });
  }
  return {
    outcome: 'page',
    page: state.page,
    created: created.size,
    enqueued: sendable.length,
    skipped: deliveries.length - sendable.length,
    done,
  };
}

/** One page of subscribers -> its deliveries (queued, or skipped with the reason). */
async function resolvePage(
  deps: FanoutDependencies,
  state: FanoutState,
  ids: readonly string[],
  now: number,
): Promise<DeliveryRecord[]> {
  if (ids.length === 0) return [];
  const category = state.category ? await deps.category(state.tenantId, state.category) : undefined;
  // The resolver fills in addresses only: the content stays on the notification item.
  const request: NotificationRequest = {
    channels: Object.fromEntries(
      state.channels.map((channel) => [channel, { channel, recipients: [], content: {} }]),
    ) as NotificationRequest['channels'],
    priority: state.priority,
  };
  const resolved = await resolveRecipients(
    { store: deps.recipients, ...(deps.suppressions && { suppressions: deps.suppressions }) },
    { request, targets: ids.map((id, at) => ({ id, at })), channels: state.channels },
    {
      tenantId: state.tenantId,
      mqtt: deps.mqtt(state.tenantId),
      ...(category && { category }),
    },
  );
  const at = new Date(now).toISOString();
  const base = {
    notificationId: state.notificationId,
    attempts: 0,
    createdAt: at,
    updatedAt: at,
    tenantId: state.tenantId,
    ...(state.metadata && { metadata: state.metadata }),
  };
  // A topic send accepted before delivery shards existed keeps unsharded ids to its end.
  const sharded = state.deliveryShards !== undefined;
  const out: DeliveryRecord[] = [];
  for (const channelRequest of Object.values(resolved.channels)) {
    if (!channelRequest) continue;
    const { channel } = channelRequest;
    channelRequest.recipients.forEach((recipient, n) => {
      const recipientId = channelRequest.recipientIds?.[n] ?? '';
      out.push({
        ...base,
        deliveryId: fanoutDeliveryId(channel, recipientId, recipient, sharded),
        channel,
        recipient,
        status: 'queued',
        recipientId,
      });
    });
  }
  for (const s of resolved.skipped ?? []) {
    out.push({
      ...base,
      deliveryId: fanoutDeliveryId(s.channel, s.recipientId, `skip:${s.recipient}`, sharded),
      channel: s.channel,
      recipient: s.recipient,
      status: 'skipped',
      recipientId: s.recipientId,
      skipReason: s.reason,
      lastError: `skipped: ${s.reason}: ${s.detail}`,
    });
  }
  return out;
}

async function cancelEach<D extends DeliveryRecord>(
  deps: Pick<FanoutDependencies, 'store'>,
  id: string,
  deliveries: readonly D[],
  now: number,
): Promise<D[]> {
  const done = await mapWithConcurrency(deliveries, 25, async (d) =>
    (await deps.store.cancel(id, d.deliveryId, now, d)) ? d : undefined,
  );
  return done.filter((d): d is Awaited<D> & D => d !== undefined);
}

/**
 * A cancelled fan-out: whatever of it is still cancellable is cancelled (a page written by a
 * run that died before it could see the cancel), then it leaves the stalled list. Answers the
 * deliveries it cancelled.
 */
export async function sweepCancelled(
  deps: Pick<FanoutDependencies, 'store' | 'fanouts'>,
  state: FanoutState,
  now: number,
): Promise<DeliveryRecord[]> {
  // Strongly consistent: a page that created rows just before the cancel must be swept too.
  const found = await deps.store.get(state.notificationId, { consistent: true });
  const open = (found?.deliveries ?? []).filter((d) => CANCEL_CANDIDATES.includes(d.status));
  const cancelled = await cancelEach(deps, state.notificationId, open, now);
  await deps.fanouts.settle(state.notificationId);
  return cancelled;
}

/** The reconciler's part: fan-outs whose checkpoint stopped moving get their page sent again. */
export async function resumeStalledFanouts(
  deps: Pick<FanoutDependencies, 'fanouts' | 'fanoutQueue' | 'stallAfterMs'>,
  now: number,
  limit = 100,
): Promise<string[]> {
  const stalled = await deps.fanouts.stalled(now, limit);
  const resumed: string[] = [];
  for (const id of stalled) {
    const state = await deps.fanouts.get(id);
    if (!state) continue;
    // Pushed out first: a slow page is not sent again on every run.
    await deps.fanouts.touch(id, now + deps.stallAfterMs);
    const notBefore = state.sendAt === undefined ? undefined : Date.parse(state.sendAt);
    await deps.fanoutQueue.send(
      { notificationId: id, page: state.page, ...(notBefore !== undefined && { notBefore }) },
      waitSeconds(notBefore, now),
    );
    resumed.push(id);
  }
  return resumed;
}
