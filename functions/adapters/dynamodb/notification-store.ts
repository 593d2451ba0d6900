import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { chunk, mapWithConcurrency } from '../../core/concurrency';
import { PartialWriteError } from '../../core/errors';
import type {
  ClaimResult,
  DeliveryRecord,
  DeliveryStatus,
  FailureKind,
  NotificationRecord,
} from '../../core/model';
import type { NotificationRepository } from '../../core/ports';
import { CANCELLABLE, CLAIMABLE } from '../../core/status';
import { type DeliveryChange, transitionDelivery } from './delivery-transition';
import {
  deliveryKey,
  META,
  notificationItem,
  notificationKey,
  toDelivery,
  toNotification,
} from './items';

// DynamoDB takes 25 items per BatchWriteItem. Unprocessed items (throttling) are retried with
// a short backoff; after that the write fails as a whole, before anything is enqueued.
const WRITE_BATCH = 25;
const WRITE_PARALLEL = 8;
const UNPROCESSED_RETRIES = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Notification content never changes after ingest, so a channel function keeps it for the life
// of its container: one GetItem per notification instead of one per delivery. Bounded, oldest
// entries dropped first.
const contentCache = new Map<string, NotificationRecord>();
const CONTENT_CACHE_LIMIT = 500;

/**
 * Notifications and deliveries in the single Herald table. Every status change is one
 * conditional UpdateItem on the expected current status: the table, not timing, decides races.
 */
export class NotificationStore implements NotificationRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = 90,
  ) {}

  #expiresAt(now: number): number {
    return Math.floor(now / 1000) + this.retentionDays * 24 * 3600;
  }

  /**
   * Writes the notification and all its deliveries (BatchWriteItem, 25 per call). Retention
   * counts from `retainFrom`: the send time for a scheduled notification, so a far-off send is
   * never expired before it goes out.
   */
  async create(
    notification: NotificationRecord,
    deliveries: readonly DeliveryRecord[],
    retainFrom: number,
  ): Promise<void> {
    const expiresAt = this.#expiresAt(retainFrom);
    const items: Record<string, unknown>[] = [
      notificationItem(notification, expiresAt),
      ...deliveries.map((d) => ({
        pk: notificationKey(d.notificationId),
        sk: deliveryKey(d.deliveryId),
        channel: d.channel,
        recipient: d.recipient,
        status: d.status,
        attempts: d.attempts,
        createdAt: d.createdAt,
        updatedAt: d.updatedAt,
        expiresAt,
      })),
    ];
    const writeBatch = async (batch: Record<string, unknown>[]) => {
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > UNPROCESSED_RETRIES) {
          throw new Error(`DynamoDB left ${requests.length} items unprocessed`);
        }
        if (attempt > 0) await sleep(25 * 2 ** attempt);
        const answer = await this.db.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
        );
        requests = (answer.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    };
    // The first batch carries the notification item and goes alone: if it fails, nothing was
    // written. Only after it do the other batches go, in parallel.
    const [first = [], ...rest] = chunk(items, WRITE_BATCH);
    await writeBatch(first);
    try {
      await mapWithConcurrency(rest, WRITE_PARALLEL, writeBatch);
    } catch (error) {
      throw new PartialWriteError(notification.id, { cause: error });
    }
  }

  /** The notification and its deliveries, or undefined if there is no such notification. */
  async get(
    id: string,
  ): Promise<{ notification: NotificationRecord; deliveries: DeliveryRecord[] } | undefined> {
    let notification: NotificationRecord | undefined;
    const deliveries: DeliveryRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': notificationKey(id) },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.sk === META) notification = toNotification(item);
        else deliveries.push(toDelivery(id, item));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return notification ? { notification, deliveries } : undefined;
  }

  /** The notification item alone, cached: content is immutable once written. */
  async getNotification(id: string): Promise<NotificationRecord | undefined> {
    const cacheKey = `${this.tableName}/${id}`;
    const cached = contentCache.get(cacheKey);
    if (cached) return cached;
    const answer = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: notificationKey(id), sk: META } }),
    );
    if (!answer.Item) return undefined;
    const notification = toNotification(answer.Item);
    if (contentCache.size >= CONTENT_CACHE_LIMIT) {
      const oldest = contentCache.keys().next().value;
      if (oldest !== undefined) contentCache.delete(oldest);
    }
    contentCache.set(cacheKey, notification);
    return notification;
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
  ): Promise<ClaimResult> {
    try {
      const answer = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: notificationKey(notificationId), sk: deliveryKey(deliveryId) },
          UpdateExpression:
            'SET #status = :sending, attempts = if_not_exists(attempts, :zero) + :one, leaseUntil = :lease, updatedAt = :now',
          ConditionExpression: `#status IN (${CLAIMABLE.map((_, i) => `:claimable${i}`).join(
            ', ',
          )}) OR (#status = :sending AND leaseUntil < :nowMs)`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':sending': 'sending',
            ...Object.fromEntries(CLAIMABLE.map((status, i) => [`:claimable${i}`, status])),
            ':zero': 0,
            ':one': 1,
            ':lease': now + leaseMs,
            ':nowMs': now,
            ':now': new Date(now).toISOString(),
          },
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true, attempts: Number(answer.Attributes?.attempts ?? 1) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // DynamoDB returns the item with the failure; emulators that do not get one more read.
      const status =
        (error.Item?.status?.S as DeliveryStatus | undefined) ??
        (await this.#status(notificationId, deliveryId));
      if (!status) return { claimed: false, reason: 'missing' };
      return { claimed: false, reason: status === 'sending' ? 'in-flight' : 'final', status };
    }
  }

  async #status(notificationId: string, deliveryId: string): Promise<DeliveryStatus | undefined> {
    const answer = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: notificationKey(notificationId), sk: deliveryKey(deliveryId) },
        ProjectionExpression: '#status',
        ExpressionAttributeNames: { '#status': 'status' },
        ConsistentRead: true,
      }),
    );
    return answer.Item?.status as DeliveryStatus | undefined;
  }

  /** sending -> delivered. */
  async markDelivered(
    notificationId: string,
    deliveryId: string,
    providerMessageId: string | undefined,
    now: number,
  ): Promise<boolean> {
    return this.#transition(notificationId, deliveryId, now, {
      from: ['sending'],
      set: { status: 'delivered', ...(providerMessageId ? { providerMessageId } : {}) },
    });
  }

  /** sending (or not yet sent: scheduled/queued) -> failed, with the reason and its kind. */
  async markFailed(
    notificationId: string,
    deliveryId: string,
    reason: string,
    now: number,
    from: readonly DeliveryStatus[] = ['sending'],
    kind?: FailureKind,
  ): Promise<boolean> {
    return this.#transition(notificationId, deliveryId, now, {
      from,
      set: { status: 'failed', lastError: reason, ...(kind ? { failure: kind } : {}) },
      ...(kind ? {} : { remove: ['failure'] }),
    });
  }

  /** A transient failure: stays `sending` with the reason, and frees the lease for the retry. */
  async recordRetry(
    notificationId: string,
    deliveryId: string,
    reason: string,
    now: number,
  ): Promise<boolean> {
    return this.#transition(notificationId, deliveryId, now, {
      from: ['sending'],
      set: { lastError: reason, leaseUntil: 0 },
    });
  }

  /** scheduled -> queued, after a scheduled release put the message on its queue. */
  async markReleased(notificationId: string, deliveryId: string, now: number): Promise<boolean> {
    return this.#transition(notificationId, deliveryId, now, {
      from: ['scheduled'],
      set: { status: 'queued' },
    });
  }

  /**
   * scheduled/queued -> cancelled, or sending -> cancelled while no attempt holds the lease (it
   * waits for a retry, or its sender died). A claim and this write are both conditional on the
   * lease, so exactly one of them wins.
   */
  async cancel(notificationId: string, deliveryId: string, now: number): Promise<boolean> {
    return this.#transition(notificationId, deliveryId, now, {
      from: CANCELLABLE,
      set: { status: 'cancelled' },
      orWhen: {
        expression: '#status = :sending AND (attribute_not_exists(#lease) OR #lease < :nowMs)',
        names: { '#lease': 'leaseUntil' },
        values: { ':sending': 'sending', ':nowMs': now },
      },
    });
  }

  /** failed -> queued for a replay: a fresh start, counted in `replays`. */
  async reopen(notificationId: string, deliveryId: string, now: number): Promise<boolean> {
    return this.#transition(notificationId, deliveryId, now, {
      from: ['failed'],
      set: { status: 'queued', leaseUntil: 0 },
      add: { replays: 1 },
      remove: ['failure'],
    });
  }

  #transition(
    notificationId: string,
    deliveryId: string,
    now: number,
    change: DeliveryChange,
  ): Promise<boolean> {
    return transitionDelivery(this.db, this.tableName, notificationId, deliveryId, now, change);
  }
}
