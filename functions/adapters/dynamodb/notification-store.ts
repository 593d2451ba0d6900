import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  DeliveryRepository,
  ReportChange,
  ReportWrite,
} from '../../core/delivery/report-ports';
import type {
  Channel,
  ClaimResult,
  ContentByChannel,
  DeliveryRecord,
  DeliveryStatus,
  FailureKind,
  NotificationRecord,
  Priority,
} from '../../core/notifications/model';
import { CANCELLABLE } from '../../core/notifications/status';
import { readContent } from './content-cache';
import { createNotification } from './create-notification';
import { type DeliverySeed, pageEntryOf, seedAttributes, seedOfChange } from './delivery-pages';
import { type DeliveryChange, leaseFree } from './delivery-transition';
import { deliveryItemKey } from './items';
import { readNotification } from './notification-read';
import { transitionOrCreate } from './page-transition';
import { recoverDelivery } from './recover-delivery';
import { reopenDelivery } from './reopen-delivery';
import { writeReport } from './report-write';
import { claimed, claimUpdate } from './status-write';
import { tenantOfNotification } from './tenant-lookup';

/**
 * Notifications and deliveries in the single Herald table. Every status change is one
 * conditional UpdateItem on the expected current status: the table, not timing, decides races.
 */
export class NotificationStore implements DeliveryRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = 90,
  ) {}

  private expiresAtFrom(now: number): number {
    return Math.floor(now / 1000) + this.retentionDays * 24 * 3600;
  }

  /**
   * Writes the deliveries, then the notification item that makes them sendable; on any failure
   * nothing sendable is left and NotRecordedError is thrown (create-notification.ts). Retention
   * counts from `retainFrom`: the send time for a scheduled notification, so a far-off send is
   * never expired before it goes out.
   */
  create(
    notification: NotificationRecord,
    deliveries: readonly DeliveryRecord[],
    retainFrom: number,
  ): Promise<void> {
    const expiresAt = this.expiresAtFrom(retainFrom);
    return createNotification(this.db, this.tableName, notification, deliveries, expiresAt);
  }

  /** The notification and its deliveries, or undefined if there is no such notification. */
  async get(
    id: string,
    options: { consistent?: boolean } = {},
  ): Promise<{ notification: NotificationRecord; deliveries: DeliveryRecord[] } | undefined> {
    return readNotification(this.db, this.tableName, id, options.consistent === true);
  }

  /** What a write that may create the delivery's item (it has none yet) sets only if absent. */
  private seedAttributes(
    seed: DeliverySeed | undefined,
    now: number,
  ): Record<string, unknown> | undefined {
    return seed ? seedAttributes(seed, this.expiresAtFrom(now), now) : undefined;
  }

  private seedOf(seed: DeliverySeed | undefined, from: readonly DeliveryStatus[], now: number) {
    return seedOfChange(seed, from, this.expiresAtFrom(now), now);
  }

  /**
   * One channel's content, cached; a miss is read again strongly consistent (content-cache.ts).
   * A personalized channel's content is the delivery's own.
   */
  getContent<C extends Channel>(
    id: string,
    channel: C,
    deliveryId?: string,
  ): Promise<ContentByChannel[C] | undefined> {
    return readContent(this.db, this.tableName, id, channel, deliveryId);
  }

  /**
   * queued/scheduled -> sending, or takes over a `sending` delivery whose lease ran out (its
   * sender died mid-send). Anything else means this message must not be sent.
   */
  async claim(
    notificationId: string,
    deliveryId: string,
    now: number,
    leaseMs: number,
    seed?: DeliverySeed,
  ): Promise<ClaimResult> {
    try {
      const answer = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryItemKey(notificationId, deliveryId),
          ...claimUpdate(now, leaseMs, this.seedAttributes(seed, now)),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return claimed(answer.Attributes);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // DynamoDB returns the item with the failure; emulators that do not get one more read.
      const status =
        (error.Item?.status?.S as DeliveryStatus | undefined) ??
        (await this.statusOf(notificationId, deliveryId));
      if (!status) {
        // No item: a delivery not claimed yet, whose message did not carry a seed.
        const entry = seed ? undefined : await this.pageEntry(notificationId, deliveryId);
        if (entry) return this.claim(notificationId, deliveryId, now, leaseMs, entry);
        return { claimed: false, reason: 'missing' };
      }
      if (status !== 'sending') return { claimed: false, reason: 'final', status };
      const leaseUntil = Number(error.Item?.leaseUntil?.N);
      return {
        claimed: false,
        reason: 'in-flight',
        status,
        ...(Number.isFinite(leaseUntil) && { leaseUntil }),
      };
    }
  }

  private async statusOf(
    notificationId: string,
    deliveryId: string,
  ): Promise<DeliveryStatus | undefined> {
    const answer = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: deliveryItemKey(notificationId, deliveryId),
        ProjectionExpression: '#status',
        ExpressionAttributeNames: { '#status': 'status' },
        ConsistentRead: true,
      }),
    );
    return answer.Item?.status as DeliveryStatus | undefined;
  }

  /** sending -> sent, or delivered for Slack (ACCEPTED_STATUS). */
  async markSent(
    notificationId: string,
    deliveryId: string,
    status: 'sent' | 'delivered',
    providerMessageId: string | undefined,
    now: number,
    attempt?: number,
  ): Promise<boolean> {
    return this.transition(notificationId, deliveryId, now, {
      from: ['sending'],
      set: { status, ...(providerMessageId ? { providerMessageId } : {}) },
      ...(attempt ? { attempt: { attempt, outcome: status } } : {}),
    });
  }

  /** The notification's tenant (it never changes: cached per container). */
  getTenant(id: string): Promise<string | undefined> {
    return tenantOfNotification(this.db, this.tableName, id);
  }

  /** sending -> suppressed, or a provider report: one conditional write (report-write.ts). */
  applyReport(id: string, deliveryId: string, change: ReportChange): Promise<ReportWrite> {
    return writeReport(this.db, this.tableName, id, deliveryId, change);
  }

  /** sending (or not yet sent: scheduled/queued) -> failed, with the reason and its kind. */
  async markFailed(
    notificationId: string,
    deliveryId: string,
    reason: string,
    now: number,
    from: readonly DeliveryStatus[] = ['sending'],
    kind?: FailureKind,
    attempt?: number,
    seed?: DeliverySeed,
  ): Promise<boolean> {
    return this.transition(notificationId, deliveryId, now, {
      ...this.seedOf(seed, from, now),
      from,
      set: { status: 'failed', lastError: reason, ...(kind ? { failure: kind } : {}) },
      ...(kind ? {} : { remove: ['failure'] }),
      ...(attempt ? { attempt: { attempt, outcome: 'failed', error: reason } } : {}),
    });
  }

  /** The last receive's fallback: failed, unless an attempt holds the lease (see the port). */
  async failUnlessInFlight(
    notificationId: string,
    deliveryId: string,
    reason: string,
    now: number,
    seed?: DeliverySeed,
  ): Promise<boolean> {
    return this.transition(notificationId, deliveryId, now, {
      ...this.seedOf(seed, ['scheduled', 'queued'], now),
      from: ['scheduled', 'queued'],
      set: { status: 'failed', lastError: reason, failure: 'exhausted' },
      orWhen: leaseFree(now),
    });
  }

  /** A transient failure: stays `sending` with the reason, and frees the lease for the retry. */
  async recordRetry(
    notificationId: string,
    deliveryId: string,
    reason: string,
    now: number,
    attempt?: number,
  ): Promise<boolean> {
    return this.transition(notificationId, deliveryId, now, {
      from: ['sending'],
      set: { lastError: reason, leaseUntil: 0 },
      ...(attempt ? { attempt: { attempt, outcome: 'retry', error: reason } } : {}),
    });
  }

  /** scheduled -> queued, after a scheduled release put the message on its queue. */
  async markReleased(
    notificationId: string,
    deliveryId: string,
    now: number,
    seed?: DeliverySeed,
  ): Promise<boolean> {
    return this.transition(notificationId, deliveryId, now, {
      ...this.seedOf(seed, ['scheduled'], now),
      from: ['scheduled'],
      set: { status: 'queued' },
    });
  }

  /**
   * scheduled/queued -> cancelled, or sending -> cancelled while no attempt holds the lease (it
   * waits for a retry, or its sender died). A claim and this write are both conditional on the
   * lease, so exactly one of them wins.
   */
  async cancel(
    notificationId: string,
    deliveryId: string,
    now: number,
    seed?: DeliverySeed,
  ): Promise<boolean> {
    // A delivery with no item yet gets a `cancelled` one (a tombstone a later claim fails on).
    return this.transition(notificationId, deliveryId, now, {
      ...this.seedOf(seed, CANCELLABLE, now),
      from: CANCELLABLE,
      set: { status: 'cancelled' },
      orWhen: leaseFree(now),
    });
  }

  /** failed -> queued for a replay: a fresh start, counted in `replays`, watched by the reconciler. */
  reopen(
    notificationId: string,
    deliveryId: string,
    now: number,
    priority?: Priority,
  ): Promise<boolean> {
    return reopenDelivery(this.db, this.tableName, notificationId, deliveryId, now, priority);
  }

  /** The reconciler's conditional change to a stuck delivery (see the port). */
  recover(
    expected: Pick<DeliveryRecord, 'notificationId' | 'deliveryId' | 'status' | 'updatedAt'> &
      Partial<DeliveryRecord>,
    action: { requeue: true } | { fail: string },
    now: number,
  ): Promise<boolean> {
    return recoverDelivery(this.db, this.tableName, expected, action, now, this.expiresAtFrom(now));
  }

  private transition(
    notificationId: string,
    deliveryId: string,
    now: number,
    change: DeliveryChange,
  ): Promise<boolean> {
    const { db, tableName } = this;
    const expiresAt = this.expiresAtFrom(now);
    return transitionOrCreate(db, tableName, notificationId, deliveryId, now, change, expiresAt);
  }

  private pageEntry(notificationId: string, deliveryId: string) {
    return pageEntryOf(this.db, this.tableName, notificationId, deliveryId);
  }
}
