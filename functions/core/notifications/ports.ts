import type {
  Channel,
  ClaimResult,
  ContentByChannel,
  DeliveryRecord,
  DeliveryStatus,
  FailureKind,
  NotificationRecord,
  Priority,
} from './model';

/*
 * What the notification use-cases need from the outside world. Adapters in functions/adapters
 * implement these; handlers wire them in; unit tests use in-memory fakes (test/unit/core/fakes.ts).
 */

/**
 * What a write that may find no item for its delivery (one not claimed yet is an entry of a page
 * item, see docs/architecture.md "Scale") needs to create it: the delivery as read (version 0 or
 * absent: maybe no item) or as its queue message carries it.
 */
export type DeliverySeed = Pick<DeliveryRecord, 'channel' | 'recipient'> &
  Partial<
    Pick<
      DeliveryRecord,
      'createdAt' | 'tenantId' | 'metadata' | 'recipientId' | 'template' | 'status' | 'version'
    >
  >;

/** Epoch milliseconds now. */
export type Clock = () => number;

/**
 * Notifications and deliveries. Every status change is conditional on the expected current
 * status (the store, not timing, decides races) and answers whether it happened.
 */
export interface NotificationRepository {
  /**
   * Writes the deliveries, then the notification, which makes them sendable: either all of it is
   * recorded, or NotRecordedError is thrown and nothing of it can ever be sent (no answer of the
   * store, however late, changes that).
   */
  create(
    notification: NotificationRecord,
    deliveries: readonly DeliveryRecord[],
    retainFrom: number,
  ): Promise<void>;
  /** The notification and its deliveries, or undefined; `consistent` reads strongly consistent. */
  get(
    id: string,
    options?: { consistent?: boolean },
  ): Promise<{ notification: NotificationRecord; deliveries: DeliveryRecord[] } | undefined>;
  /**
   * One channel's content of a notification (it never changes, so it may be cached); for a
   * personalized channel, that of the delivery `deliveryId`.
   */
  getContent<C extends Channel>(
    id: string,
    channel: C,
    deliveryId?: string,
  ): Promise<ContentByChannel[C] | undefined>;
  /** The notification's tenant (it never changes, so it may be cached). */
  getTenant(id: string): Promise<string | undefined>;
  /** queued/scheduled -> sending with a lease, or takes over a `sending` whose lease ran out. */
  claim(
    notificationId: string,
    deliveryId: string,
    now: number,
    leaseMs: number,
    seed?: DeliverySeed,
  ): Promise<ClaimResult>;
  /*
   * `attempt` (the number the claim returned) adds the outcome to the delivery's attempt history
   * in the same conditional write as the status change; without it no history entry is made
   * (a delivery failed before any attempt).
   */
  /** sending -> `status` (the channel's ACCEPTED_STATUS: sent, or delivered for Slack). */
  markSent(
    notificationId: string,
    deliveryId: string,
    status: 'sent' | 'delivered',
    providerMessageId: string | undefined,
    now: number,
    attempt?: number,
  ): Promise<boolean>;
  /** `from` (default sending) -> failed, with the reason and, when known, the kind of failure. */
  markFailed(
    notificationId: string,
    deliveryId: string,
    reason: string,
    now: number,
    from?: readonly DeliveryStatus[],
    kind?: FailureKind,
    attempt?: number,
    seed?: DeliverySeed,
  ): Promise<boolean>;
  /** A transient failure: stays `sending`, records the reason, frees the lease. */
  recordRetry(
    notificationId: string,
    deliveryId: string,
    reason: string,
    now: number,
    attempt?: number,
  ): Promise<boolean>;

  /** scheduled -> queued. */
  markReleased(
    notificationId: string,
    deliveryId: string,
    now: number,
    seed?: DeliverySeed,
  ): Promise<boolean>;
  /**
   * -> cancelled from scheduled or queued, or from sending while no attempt is in flight (a
   * transient failure freed the lease, or the lease ran out): never while an attempt holds it.
   */
  cancel(
    notificationId: string,
    deliveryId: string,
    now: number,
    seed?: DeliverySeed,
  ): Promise<boolean>;
  /**
   * failed -> queued for a DLQ replay: lease cleared, failure kind removed, `replays` + 1. The
   * fresh message the replay sends brings a fresh attempt budget (SQS counts receives per message;
   * the reconciler counts from `attemptsBeforeReplay`), and the delivery is back on the open-work
   * index in the same write, so the reconciler watches it (`priority`: its notification's lane).
   */
  reopen(
    notificationId: string,
    deliveryId: string,
    now: number,
    priority?: Priority,
  ): Promise<boolean>;
  /**
   * The reconciler's change to a stuck delivery, only if nothing touched it since it was read
   * (same status and updatedAt): `requeue` (scheduled -> queued; queued and sending keep their
   * status with a fresh updatedAt) or `fail` with the reason.
   */
  recover(
    expected: Pick<DeliveryRecord, 'notificationId' | 'deliveryId' | 'status' | 'updatedAt'> &
      Partial<DeliveryRecord>,
    action: { requeue: true } | { fail: string },
    now: number,
  ): Promise<boolean>;
}

/** A notification the reconciler should look at, as the open-work index holds it. */
export interface DueNotification {
  id: string;
  reconcileAt: number;
  priority: Priority;
  /** Epoch ms. */
  sendAt?: number;
}

/**
 * Where the reconciler finds open work: one index entry per notification (not per delivery),
 * ordered by `reconcileAt`, read once when it falls due, plus the reconciler's own progress.
 */
export interface OpenWorkIndex {
  /** Index partitions; each keeps its own progress. */
  readonly shards: number;
  /** Notifications of `shard` with reconcileAt in (after, through], oldest first. */
  due(shard: number, after: number, through: number): AsyncIterable<DueNotification>;
  /** The deliveries of one notification (without its content). */
  deliveries(notificationId: string): Promise<DeliveryRecord[]>;
  /** Puts a notification that still has open deliveries back in the index, due at `at`. */
  recheckAt(notificationId: string, at: number): Promise<void>;
  /** Per shard, the reconcileAt up to which every entry was handled; empty before the first run. */
  progress(): Promise<Record<number, number>>;
  saveProgress(progress: Record<number, number>, now: number): Promise<void>;
}

/** A delivery that could not be put on its queue, and why. */
export interface EnqueueFailure {
  record: DeliveryRecord;
  reason: string;
}

/** The channel queues (one per channel, a normal and an optional high lane). */
export interface DeliveryQueue {
  /** Channels this deployment has a queue for. */
  readonly channels: readonly Channel[];
  /**
   * Puts each delivery on its channel's lane for `priority`, held back `delaySeconds` (<= 900).
   * Never throws for queue errors: returns the deliveries that could not be enqueued.
   */
  enqueue(
    deliveries: readonly DeliveryRecord[],
    priority: Priority,
    delaySeconds?: number,
  ): Promise<EnqueueFailure[]>;
}

/** Where a notification due later than the queue can delay is handed over (EventBridge Scheduler). */
export interface ReleaseScheduler {
  /** Creates the one-time schedule that releases `notificationId` at `sendAt`; returns its name. */
  schedule(notificationId: string, sendAt: number): Promise<string>;
  /** Deletes a schedule; a schedule that is already gone is not an error. */
  unschedule(name: string): Promise<void>;
}

/** One notification as the per-tenant time index holds it: what a list shows, minus statuses. */
export interface IndexedNotification {
  id: string;
  createdAt: string;
  sendAt?: string;
  priority: Priority;
  metadata?: Record<string, string>;
  channels: Channel[];
  deliveryCount: number;
  /** Where this row sits in the index; a page resumes after it. */
  position: string;
}

/** The tenant's notifications by creation time (a query index written with the notification). */
export interface NotificationIndex {
  /**
   * Up to `limit` rows, newest first, created within [from, to] (epoch ms), older than `after`
   * (a position), matching `channel` and the `metadata` pair. `lastPosition` is set when more rows
   * may follow (it may lie beyond the last row when rows were filtered out).
   */
  page(
    tenantId: string,
    query: {
      from?: number;
      to?: number;
      channel?: Channel;
      metadata?: { key: string; value: string };
      after?: string;
      limit: number;
    },
  ): Promise<{ rows: IndexedNotification[]; lastPosition?: string }>;
  /** Each delivery's channel and status, for the notification's aggregate and per-channel counts. */
  deliveryStatuses(notificationId: string): Promise<{ channel: Channel; status: DeliveryStatus }[]>;
}
