import type { DeliveryRecord, DeliveryStatus } from '../notifications/model';
import type {
  Clock,
  DeliveryQueue,
  DueNotification,
  NotificationRepository,
  OpenWorkIndex,
} from '../notifications/ports';
import { FINAL } from '../notifications/status';

/** The reconciler's rules. */
export interface ReconcileSettings {
  /** A delivery that has not moved for this long past its due time is stuck. */
  stuckAfterMs: number;
  /**
   * Attempts after which a stuck delivery is recorded failed instead of re-enqueued (counted from
   * its last replay, which promises a fresh budget).
   */
  maxAttempts: number;
  /** How far back the very first run looks. Default 7 days. */
  initialLookbackMs?: number;
  /** Re-read this much before the last progress mark: index entries appear a moment late. */
  overlapMs?: number;
}

export interface ReconcileDependencies {
  store: NotificationRepository;
  index: OpenWorkIndex;
  queue: DeliveryQueue;
  settings: ReconcileSettings;
  now?: Clock;
}

/** A delivery the reconciler found stuck, and what it did. */
export interface StuckDelivery {
  notificationId: string;
  deliveryId: string;
  status: DeliveryStatus;
  attempts: number;
  /** `raced`: it moved (claimed, retried, cancelled) between the read and the write: left alone. */
  action: 'requeued' | 'failed' | 'raced' | 'not-enqueued';
}

/** What one run found and did. */
export interface ReconcileReport {
  notificationsChecked: number;
  /** Notifications still open after this run, put back in the index for a later look. */
  notificationsOpen: number;
  stuck: StuckDelivery[];
  /** False when the run stopped at its deadline; the next run carries on from there. */
  complete: boolean;
}

const DEFAULT_LOOKBACK_MS = 7 * 24 * 3600 * 1000;
const DEFAULT_OVERLAP_MS = 30_000;
/** Time kept back at the end of a run to save progress. */
const SAVE_MARGIN_MS = 5_000;

/**
 * When the delivery's current state began counting against the stuck deadline: a scheduled one
 * from its send time, a queued one from its last change, a sending one from its last change or
 * the end of its lease, whichever is later (nothing is in flight after the lease).
 */
export function stuckSince(delivery: DeliveryRecord, due: DueNotification): number {
  const updated = Date.parse(delivery.updatedAt);
  if (delivery.status === 'scheduled') return due.sendAt ?? updated;
  if (delivery.status === 'sending') return Math.max(updated, delivery.leaseUntil ?? 0);
  return updated;
}

/**
 * Finds deliveries left non-final past their deadline and moves them on: re-enqueued (a
 * scheduled one becomes queued) while attempts remain, else recorded failed with the reason.
 * It reads the open-work index from where the last run stopped, so each notification is read
 * when it falls due and again only while something in it is still open.
 */
export async function reconcile(
  deps: ReconcileDependencies,
  deadline?: number,
): Promise<ReconcileReport> {
  const clock = deps.now ?? Date.now;
  const now = clock();
  const { settings } = deps;
  const lookback = settings.initialLookbackMs ?? DEFAULT_LOOKBACK_MS;
  const overlap = settings.overlapMs ?? DEFAULT_OVERLAP_MS;
  const report: ReconcileReport = {
    notificationsChecked: 0,
    notificationsOpen: 0,
    stuck: [],
    complete: true,
  };
  const progress = await deps.index.progress();
  const next: Record<number, number> = { ...progress };

  for (let shard = 0; shard < deps.index.shards; shard++) {
    const after = (progress[shard] ?? now - lookback) - overlap;
    let reached = now;
    for await (const due of deps.index.due(shard, after, now)) {
      if (deadline !== undefined && deadline - clock() < SAVE_MARGIN_MS) {
        reached = due.reconcileAt - 1;
        report.complete = false;
        break;
      }
      report.notificationsChecked += 1;
      const open = await reconcileNotification(deps, due, now, report.stuck);
      if (open) {
        report.notificationsOpen += 1;
        await deps.index.recheckAt(due.id, now + settings.stuckAfterMs);
      }
    }
    next[shard] = Math.max(progress[shard] ?? 0, reached);
    if (!report.complete) break;
  }
  await deps.index.saveProgress(next, now);
  return report;
}

/** Looks at one notification's deliveries; answers whether any is still open. */
async function reconcileNotification(
  deps: ReconcileDependencies,
  due: DueNotification,
  now: number,
  found: StuckDelivery[],
): Promise<boolean> {
  const { stuckAfterMs, maxAttempts } = deps.settings;
  const deliveries = await deps.index.deliveries(due.id);
  let open = false;
  const requeued: DeliveryRecord[] = [];
  for (const delivery of deliveries) {
    if (FINAL.includes(delivery.status)) continue;
    const since = stuckSince(delivery, due);
    if (now - since <= stuckAfterMs) {
      open = true;
      continue;
    }
    const base = {
      notificationId: delivery.notificationId,
      deliveryId: delivery.deliveryId,
      status: delivery.status,
      attempts: delivery.attempts,
    };
    // A replay brings a fresh budget: only the attempts since it count.
    const spent = delivery.attempts - (delivery.attemptsBeforeReplay ?? 0);
    if (spent >= maxAttempts) {
      const reason = `stuck ${delivery.status} since ${new Date(since).toISOString()}: gave up after ${spent} attempts${delivery.replays ? ' since its last replay' : ''}`;
      const done = await deps.store.recover(delivery, { fail: reason }, now);
      found.push({ ...base, action: done ? 'failed' : 'raced' });
      if (!done) open = true;
      continue;
    }
    open = true;
    // The conditional write first: only the run that wins it enqueues.
    if (await deps.store.recover(delivery, { requeue: true }, now)) requeued.push(delivery);
    else found.push({ ...base, action: 'raced' });
  }
  if (requeued.length > 0) {
    const failed = new Set(
      (await deps.queue.enqueue(requeued, due.priority)).map((f) => f.record.deliveryId),
    );
    for (const d of requeued) {
      found.push({
        notificationId: d.notificationId,
        deliveryId: d.deliveryId,
        status: d.status,
        attempts: d.attempts,
        action: failed.has(d.deliveryId) ? 'not-enqueued' : 'requeued',
      });
    }
  }
  return open;
}
