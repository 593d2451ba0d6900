import type {
  Channel,
  ClaimResult,
  DeliveryRecord,
  DeliveryStatus,
  FailureKind,
  NotificationRecord,
  OutboundMessage,
  Priority,
} from './model';

/*
 * What the use-cases need from the outside world. Adapters in functions/adapters implement these;
 * handlers wire them in; unit tests use in-memory fakes (test/unit/core/fakes.ts).
 */

/** Epoch milliseconds now. */
export type Clock = () => number;

/**
 * Notifications and deliveries. Every status change is conditional on the expected current
 * status (the store, not timing, decides races) and answers whether it happened.
 */
export interface NotificationRepository {
  /**
   * Writes the notification, then its deliveries. Throws PartialWriteError when the notification
   * was written but not every delivery; any other error means nothing was written.
   */
  create(
    notification: NotificationRecord,
    deliveries: readonly DeliveryRecord[],
    retainFrom: number,
  ): Promise<void>;
  /** The notification and its deliveries, or undefined. */
  get(
    id: string,
  ): Promise<{ notification: NotificationRecord; deliveries: DeliveryRecord[] } | undefined>;
  /** The notification item alone (its content never changes, so it may be cached). */
  getNotification(id: string): Promise<NotificationRecord | undefined>;
  /** queued/scheduled -> sending with a lease, or takes over a `sending` whose lease ran out. */
  claim(
    notificationId: string,
    deliveryId: string,
    now: number,
    leaseMs: number,
  ): Promise<ClaimResult>;
  /** sending -> delivered. */
  markDelivered(
    notificationId: string,
    deliveryId: string,
    providerMessageId: string | undefined,
    now: number,
  ): Promise<boolean>;
  /** `from` (default sending) -> failed, with the reason and, when known, the kind of failure. */
  markFailed(
    notificationId: string,
    deliveryId: string,
    reason: string,
    now: number,
    from?: readonly DeliveryStatus[],
    kind?: FailureKind,
  ): Promise<boolean>;
  /** A transient failure: stays `sending`, records the reason, frees the lease. */
  recordRetry(
    notificationId: string,
    deliveryId: string,
    reason: string,
    now: number,
  ): Promise<boolean>;
  /** scheduled -> queued. */
  markReleased(notificationId: string, deliveryId: string, now: number): Promise<boolean>;
  /**
   * -> cancelled from scheduled or queued, or from sending while no attempt is in flight (a
   * transient failure freed the lease, or the lease ran out): never while an attempt holds it.
   */
  cancel(notificationId: string, deliveryId: string, now: number): Promise<boolean>;
  /**
   * failed -> queued for a DLQ replay: lease cleared, failure kind removed, `replays` + 1. The
   * fresh message the replay sends brings a fresh attempt budget (SQS counts receives per message).
   */
  reopen(notificationId: string, deliveryId: string, now: number): Promise<boolean>;
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

/** What a provider reports for a message it accepted. */
export interface ProviderReceipt {
  /** The provider's own id for the message (SES MessageId, Twilio SID, FCM name, Slack ts). */
  providerMessageId?: string;
}

/**
 * One vendor adapter for one channel. Throws ProviderError (core/errors.ts) classified as
 * permanent or transient.
 */
export interface ChannelProvider<C extends Channel = Channel> {
  readonly channel: C;
  send(message: OutboundMessage<C>): Promise<ProviderReceipt>;
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
