import { FANOUT_DELIVERY_SHARDS, setShards } from '../notifications/delivery-shards';
import { presentDelivery } from '../notifications/describe';
import {
  type DeliveryStatus,
  type NotificationRecord,
  type NotificationRequest,
  RECONCILE_AFTER_SECONDS,
} from '../notifications/model';
import type { NotificationRepository } from '../notifications/ports';
import { aggregateStatus } from '../notifications/status';
import { NotFoundError } from '../shared/errors';
import { sweepCancelled, waitSeconds } from './fanout';
import { type FanoutState, fanoutProgress } from './model';
import type { FanoutQueue, FanoutStore, TopicStore } from './ports';

/*
 * `POST /v1/notifications {to: {topic}, channels, ...}`: the api records the notification (its
 * content, as any other) and the fan-out state, puts the first page on the fan-out queue and
 * answers. Nothing in it grows with the audience: three writes and one message whatever the
 * topic's size. An unknown topic is a 404 (a typo should not look like a send to nobody); an
 * empty topic is accepted and its fan-out ends on its first page with total 0.
 */

export interface TopicSendDependencies {
  store: NotificationRepository;
  topics: TopicStore;
  fanouts: FanoutStore;
  fanoutQueue: FanoutQueue;
  stallAfterMs: number;
  expiresAt: (now: number) => number;
  reconcileAfterSeconds?: number;
  /** Told when the first page could not be queued (the reconciler sends it later). */
  onQueueFailure?: (error: unknown) => void;
}

/** A validated topic send: the request's content, the channels, the topic, the category. */
export interface TopicSend {
  topic: string;
  request: NotificationRequest;
  category?: string;
}

export async function acceptTopicSend(
  deps: TopicSendDependencies,
  send: TopicSend,
  context: { id: string; tenantId: string; now: number },
) {
  const { id, tenantId, now } = context;
  const topic = await deps.topics.getTopic(tenantId, send.topic);
  if (!topic) throw new NotFoundError(`Topic ${send.topic} not found`);
  const createdAt = new Date(now).toISOString();
  const { request } = send;
  // With sendAt the fan-out starts then: its first message waits (in 15-minute hops).
  const startAt = Math.max(now, request.sendAt ?? now);
  const channels = Object.values(request.channels).flatMap((c) => (c ? [c.channel] : []));
  const notification: NotificationRecord = {
    id,
    tenantId,
    createdAt,
    priority: request.priority,
    content: Object.fromEntries(
      Object.values(request.channels).flatMap((c) => (c ? [[c.channel, c.content]] : [])),
    ),
    deliveryCount: 0,
    reconcileAt: startAt + (deps.reconcileAfterSeconds ?? RECONCILE_AFTER_SECONDS) * 1000,
    ...(request.sendAt !== undefined && { sendAt: new Date(request.sendAt).toISOString() }),
    ...(request.metadata && { metadata: request.metadata }),
  };
  // The audience is not known yet: a topic send's deliveries always spread over this many.
  setShards(notification, FANOUT_DELIVERY_SHARDS);
  const state: FanoutState = {
    notificationId: id,
    tenantId,
    topic: send.topic,
    status: 'running',
    channels,
    priority: request.priority,
    page: 0,
    total: 0,
    enqueued: 0,
    skipped: 0,
    createdAt,
    updatedAt: createdAt,
    ...(send.category && { category: send.category }),
    ...(request.metadata && { metadata: request.metadata }),
    ...(startAt > now && { sendAt: new Date(startAt).toISOString() }),
    deliveryShards: FANOUT_DELIVERY_SHARDS,
  };
  // The state first, the notification item last: the notification is the commit (the fan-out
  // stage sends nothing for a notification it cannot find), as for every other send.
  await deps.fanouts.create(state, startAt + deps.stallAfterMs, deps.expiresAt(startAt));
  await deps.store.create(notification, [], startAt);
  try {
    await deps.fanoutQueue.send(
      { notificationId: id, page: 0, ...(startAt > now && { notBefore: startAt }) },
      waitSeconds(startAt, now),
    );
  } catch (error) {
    // Recorded: the reconciler finds the fan-out stalled and sends its page (stallAfterMs).
    deps.onQueueFailure?.(error);
  }
  const status = startAt > now ? ('scheduled' as const) : ('accepted' as const);
  return { id, status, deliveries: 0, fanout: fanoutProgress(state) };
}

/** Deliveries a GET of a topic send lists (its answer must stay well under Lambda's 6 MB). */
export const LISTED_DELIVERIES = 1_000;

/**
 * `GET /v1/notifications/{id}` of a topic send: its fan-out's progress and a page of up to
 * `limit` (LISTED_DELIVERIES) deliveries after `cursor` (`fanout.listed`; status and counts are
 * over those; `nextCursor` when there may be more), read without the notification's content or
 * the rest of its deliveries. Undefined when it is not a topic send.
 */
export async function describeFanout(
  fanouts: FanoutStore,
  id: string,
  tenantId: string,
  page: { cursor?: string; limit?: number } = {},
) {
  const state = await fanouts.get(id);
  if (!state) return undefined;
  if (state.tenantId !== tenantId) throw new NotFoundError(`Notification ${id} not found`);
  const { deliveries, more, nextCursor } = await fanouts.deliveriesPage(
    id,
    page.limit ?? LISTED_DELIVERIES,
    page.cursor,
  );
  const counts: Partial<Record<DeliveryStatus, number>> = {};
  for (const d of deliveries) counts[d.status] = (counts[d.status] ?? 0) + 1;
  return {
    id,
    status: aggregateStatus(deliveries.map((d) => d.status)),
    createdAt: state.createdAt,
    ...(state.sendAt && { sendAt: state.sendAt }),
    priority: state.priority,
    ...(state.metadata && { metadata: state.metadata }),
    counts,
    deliveries: deliveries.map(presentDelivery),
    fanout: { ...fanoutProgress(state), listed: deliveries.length, more },
    ...(nextCursor && { nextCursor }),
  };
}

/** Deliveries listed in a cancel's answer (a large fan-out may cancel many more). */
const LISTED = 1_000;

/**
 * `DELETE /v1/notifications/{id}` of a topic send still fanning out: the fan-out is marked
 * cancelled first (no page enqueues after that: each checks before it enqueues), then every
 * delivery already created that can be cancelled is. Undefined when the notification is not a
 * running fan-out (the ordinary cancel applies).
 */
export async function cancelFanout(
  deps: { store: NotificationRepository; fanouts: FanoutStore },
  id: string,
  tenantId: string,
  now: number,
) {
  // A read first: an ordinary notification costs no write here.
  const state = await deps.fanouts.get(id);
  if (!state) return undefined;
  if (state.tenantId !== tenantId) throw new NotFoundError(`Notification ${id} not found`);
  const before = await deps.fanouts.cancel(id, new Date(now).toISOString());
  if (!before) return undefined;
  const cancelled = await sweepCancelled(deps, { ...before, status: 'cancelled' }, now);
  const after = (await deps.fanouts.get(id)) ?? { ...before, status: 'cancelled' as const };
  return {
    id,
    cancelled: cancelled.length,
    deliveries: cancelled.slice(0, LISTED).map((d) => ({
      id: d.deliveryId,
      channel: d.channel,
      status: 'cancelled' as const,
    })),
    fanout: fanoutProgress(after),
  };
}
