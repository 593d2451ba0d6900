import { mapWithConcurrency } from '../shared/concurrency';
import { EnqueueError, InvalidRequestError } from '../shared/errors';
import { spreadOverShards } from './delivery-shards';
import {
  type DeliveryRecord,
  type NotificationRecord,
  type NotificationRequest,
  RECONCILE_AFTER_SECONDS,
} from './model';
import type { DeliveryQueue, NotificationRepository, ReleaseScheduler } from './ports';

/** What the caller is told about an accepted notification. */
export interface Accepted {
  id: string;
  status: 'accepted' | 'scheduled';
  deliveries: number;
}

export interface IngestDependencies {
  store: NotificationRepository;
  queue: DeliveryQueue;
  scheduler?: ReleaseScheduler;
  /** Up to SQS's 900 s; sends due later go through the scheduler. */
  messageDelayHorizonSeconds?: number;
  /** When, after it is due, the reconciler looks at the notification. Default 30 minutes. */
  reconcileAfterSeconds?: number;
}

/** Conditional updates in flight at once when settling or changing many deliveries. */
export const SETTLE_PARALLEL = 25;

/** SQS holds a message back for at most 15 minutes (DelaySeconds 0-900). */
export const MAX_SQS_DELAY_SECONDS = 900;

/**
 * Records a validated notification and puts each delivery on its channel's queue.
 *
 * Deliveries are written before they are enqueued, so a channel function never receives a
 * message for a delivery it cannot find. If the write fails, the store's NotRecordedError goes to
 * the caller as it is: nothing was recorded that could be sent, so nothing is enqueued or
 * settled. If some messages cannot be enqueued, exactly those deliveries are recorded `failed`
 * (nothing claims to be queued that is not) and the caller gets an EnqueueError carrying the id.
 */
export async function ingestNotification(
  deps: IngestDependencies,
  request: NotificationRequest,
  context: { id: string; tenantId: string; now: number },
): Promise<Accepted> {
  const { id, tenantId, now } = context;
  const createdAt = new Date(now).toISOString();
  const delayMs = request.sendAt === undefined ? 0 : Math.max(0, request.sendAt - now);
  // Within SQS's 15-minute delay limit a message delay is exact to the second and costs nothing
  // extra; beyond it one EventBridge schedule per notification releases the deliveries later.
  const horizonSeconds = Math.min(
    deps.messageDelayHorizonSeconds ?? MAX_SQS_DELAY_SECONDS,
    MAX_SQS_DELAY_SECONDS,
  );
  const useScheduler = delayMs > horizonSeconds * 1000;
  const scheduled = delayMs >= 1000;
  if (useScheduler && !deps.scheduler) {
    throw new InvalidRequestError([
      {
        path: 'sendAt',
        message: `this deployment has no scheduler: sendAt must be within ${horizonSeconds} seconds`,
      },
    ]);
  }

  const notification: NotificationRecord = {
    id,
    tenantId,
    createdAt,
    priority: request.priority,
    content: {},
    deliveryCount: 0,
    // Written with the notification: should the api die before enqueueing, or a release never
    // come, the reconciler still finds these deliveries.
    reconcileAt:
      Math.max(now, request.sendAt ?? now) +
      (deps.reconcileAfterSeconds ?? RECONCILE_AFTER_SECONDS) * 1000,
  };
  if (request.sendAt !== undefined) notification.sendAt = new Date(request.sendAt).toISOString();
  if (request.metadata) notification.metadata = request.metadata;
  if (request.template) notification.template = request.template;

  const deliveries: DeliveryRecord[] = [];
  for (const channelRequest of Object.values(request.channels)) {
    if (!channelRequest) continue;
    const personal = channelRequest.contents;
    // A template rendered per recipient: each delivery carries its own content.
    if (personal)
      notification.personalized = [...(notification.personalized ?? []), channelRequest.channel];
    else
      (notification.content as Record<string, unknown>)[channelRequest.channel] =
        channelRequest.content;
    channelRequest.recipients.forEach((recipient, n) => {
      deliveries.push({
        notificationId: id,
        deliveryId: `${channelRequest.channel}#${n}`,
        channel: channelRequest.channel,
        recipient,
        status: scheduled ? 'scheduled' : 'queued',
        attempts: 0,
        createdAt,
        updatedAt: createdAt,
        tenantId,
        ...(request.metadata ? { metadata: request.metadata } : {}),
        ...(channelRequest.recipientIds?.[n]
          ? { recipientId: channelRequest.recipientIds[n] }
          : {}),
        ...(personal ? { content: personal[n] } : {}),
      });
    });
  }
  // Recipient ids that cannot be reached on a channel: recorded final, never enqueued.
  deliveries.push(...skippedDeliveries(request, deliveries, { id, tenantId, createdAt }));
  if (request.template) {
    const { key, version } = request.template;
    for (const d of deliveries) d.template = { key, version };
  }
  notification.deliveryCount = deliveries.length;
  // Past DELIVERIES_PER_SHARD a channel, deliveries go to partitions of their own.
  spreadOverShards(notification, deliveries);

  if (useScheduler && deps.scheduler && request.sendAt !== undefined) {
    notification.scheduleName = scheduleNameFor(id);
    await deps.store.create(notification, deliveries, Math.max(now, request.sendAt ?? now));
    try {
      await deps.scheduler.schedule(id, request.sendAt);
    } catch (error) {
      // Without a schedule nothing would ever release these: record them failed, as for a
      // failed enqueue, so the caller's 503 and the notification's status agree.
      const reason = `not scheduled: ${error instanceof Error ? error.name : String(error)}`;
      await failAll(deps.store, id, deliveries, reason);
      throw new EnqueueError(id, deliveries.length, 0, { cause: error });
    }
    return { id, status: 'scheduled', deliveries: deliveries.length };
  }

  await deps.store.create(notification, deliveries, Math.max(now, request.sendAt ?? now));
  const delaySeconds = scheduled ? Math.ceil(delayMs / 1000) : 0;
  const sendable = deliveries.filter((d) => d.status !== 'skipped');
  const failed = await deps.queue.enqueue(sendable, request.priority, delaySeconds);
  if (failed.length > 0) {
    await mapWithConcurrency(failed, SETTLE_PARALLEL, ({ record, reason }) =>
      deps.store.markFailed(
        id,
        record.deliveryId,
        `not queued: ${reason}`,
        Date.now(),
        ['queued', 'scheduled'],
        undefined,
        undefined,
        record,
      ),
    );
    throw new EnqueueError(id, failed.length, sendable.length - failed.length);
  }
  return { id, status: scheduled ? 'scheduled' : 'accepted', deliveries: deliveries.length };
}

async function failAll(
  store: NotificationRepository,
  id: string,
  deliveries: readonly DeliveryRecord[],
  reason: string,
): Promise<void> {
  const open = deliveries.filter((d) => d.status !== 'skipped');
  await mapWithConcurrency(open, SETTLE_PARALLEL, (d) =>
    store.markFailed(
      id,
      d.deliveryId,
      reason,
      Date.now(),
      ['queued', 'scheduled'],
      undefined,
      undefined,
      d,
    ),
  );
}

/** Delivery records of `request.skipped`, numbered after each channel's sendable ones. */
function skippedDeliveries(
  request: NotificationRequest,
  sendable: readonly DeliveryRecord[],
  at: { id: string; tenantId: string; createdAt: string },
): DeliveryRecord[] {
  const next = new Map<string, number>();
  for (const d of sendable) next.set(d.channel, (next.get(d.channel) ?? 0) + 1);
  return (request.skipped ?? []).map((s) => {
    const n = next.get(s.channel) ?? 0;
    next.set(s.channel, n + 1);
    return {
      notificationId: at.id,
      deliveryId: `${s.channel}#${n}`,
      channel: s.channel,
      recipient: s.recipient,
      status: 'skipped',
      attempts: 0,
      createdAt: at.createdAt,
      updatedAt: at.createdAt,
      tenantId: at.tenantId,
      recipientId: s.recipientId,
      skipReason: s.reason,
      lastError: `skipped: ${s.reason}: ${s.detail}`,
      ...(request.metadata ? { metadata: request.metadata } : {}),
    };
  });
}

/** The schedule name derives from the notification id, so a retry never makes a second one. */
export function scheduleNameFor(notificationId: string): string {
  return `herald-${notificationId}`;
}
