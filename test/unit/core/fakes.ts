import { PartialWriteError, ProviderError } from '../../../functions/core/errors';
import type {
  ClaimResult,
  DeliveryRecord,
  DeliveryStatus,
  FailureKind,
  NotificationRecord,
  OutboundMessage,
  Priority,
} from '../../../functions/core/model';
import type {
  ChannelProvider,
  DeliveryQueue,
  EnqueueFailure,
  NotificationRepository,
  ProviderReceipt,
  ReleaseScheduler,
} from '../../../functions/core/ports';
import { CANCELLABLE, CLAIMABLE, canTransition } from '../../../functions/core/status';

/**
 * In-memory NotificationRepository with the same conditional semantics as the DynamoDB adapter:
 * every change names the statuses it may start from and answers whether it happened.
 */
export class InMemoryRepository implements NotificationRepository {
  readonly notifications = new Map<string, NotificationRecord>();
  readonly deliveries = new Map<string, DeliveryRecord & { leaseUntil?: number }>();
  /** When set, `create` writes the notification and this many deliveries, then fails. */
  failCreateAfter?: number;

  #key(notificationId: string, deliveryId: string) {
    return `${notificationId}/${deliveryId}`;
  }

  delivery(notificationId: string, deliveryId: string) {
    return this.deliveries.get(this.#key(notificationId, deliveryId));
  }

  async create(notification: NotificationRecord, deliveries: readonly DeliveryRecord[]) {
    this.notifications.set(notification.id, structuredClone(notification));
    const limit = this.failCreateAfter ?? deliveries.length;
    for (const d of deliveries.slice(0, limit)) {
      this.deliveries.set(this.#key(d.notificationId, d.deliveryId), structuredClone(d));
    }
    if (limit < deliveries.length) throw new PartialWriteError(notification.id);
  }

  async get(id: string) {
    const notification = this.notifications.get(id);
    if (!notification) return undefined;
    const deliveries = [...this.deliveries.values()]
      .filter((d) => d.notificationId === id)
      .map((d) => structuredClone(d));
    return { notification: structuredClone(notification), deliveries };
  }

  async getNotification(id: string) {
    return this.notifications.get(id);
  }

  async claim(notificationId: string, deliveryId: string, now: number, leaseMs: number) {
    const d = this.delivery(notificationId, deliveryId);
    if (!d) return { claimed: false, reason: 'missing' } satisfies ClaimResult;
    const expiredLease = d.status === 'sending' && (d.leaseUntil ?? 0) < now;
    if (!CLAIMABLE.includes(d.status) && !expiredLease) {
      return {
        claimed: false,
        reason: d.status === 'sending' ? 'in-flight' : 'final',
        status: d.status,
      } satisfies ClaimResult;
    }
    d.status = 'sending';
    d.attempts += 1;
    d.leaseUntil = now + leaseMs;
    return { claimed: true, attempts: d.attempts } satisfies ClaimResult;
  }

  #transition(
    notificationId: string,
    deliveryId: string,
    from: readonly DeliveryStatus[],
    change: Partial<DeliveryRecord> & { leaseUntil?: number },
  ): boolean {
    const to = change.status;
    const illegal = from.find((status) => !canTransition(status, to ?? status));
    if (illegal) throw new Error(`illegal status change ${illegal} -> ${to ?? illegal}`);
    const d = this.delivery(notificationId, deliveryId);
    if (!d || !from.includes(d.status)) return false;
    Object.assign(d, change);
    return true;
  }

  async markDelivered(notificationId: string, deliveryId: string, providerMessageId?: string) {
    return this.#transition(notificationId, deliveryId, ['sending'], {
      status: 'delivered',
      ...(providerMessageId ? { providerMessageId } : {}),
    });
  }

  async markFailed(
    notificationId: string,
    deliveryId: string,
    reason: string,
    _now: number,
    from: readonly DeliveryStatus[] = ['sending'],
    kind?: FailureKind,
  ) {
    const changed = this.#transition(notificationId, deliveryId, from, {
      status: 'failed',
      lastError: reason,
    });
    const d = this.delivery(notificationId, deliveryId);
    if (changed && d) {
      if (kind) d.failure = kind;
      else delete d.failure;
    }
    return changed;
  }

  async recordRetry(notificationId: string, deliveryId: string, reason: string) {
    return this.#transition(notificationId, deliveryId, ['sending'], {
      lastError: reason,
      leaseUntil: 0,
    });
  }

  async markReleased(notificationId: string, deliveryId: string) {
    return this.#transition(notificationId, deliveryId, ['scheduled'], { status: 'queued' });
  }

  async cancel(notificationId: string, deliveryId: string, now: number) {
    const d = this.delivery(notificationId, deliveryId);
    const waitingForRetry = d?.status === 'sending' && (d.leaseUntil ?? 0) < now;
    const from = waitingForRetry ? (['sending'] as const) : CANCELLABLE;
    return this.#transition(notificationId, deliveryId, from, { status: 'cancelled' });
  }

  async reopen(notificationId: string, deliveryId: string) {
    const d = this.delivery(notificationId, deliveryId);
    const changed = this.#transition(notificationId, deliveryId, ['failed'], {
      status: 'queued',
      leaseUntil: 0,
      replays: (d?.replays ?? 0) + 1,
    });
    if (changed && d) delete d.failure;
    return changed;
  }
}

/** A DeliveryQueue that keeps what it was given; `reject` names deliveries it refuses. */
export class InMemoryQueue implements DeliveryQueue {
  readonly channels = ['email', 'sms', 'whatsapp', 'push', 'slack', 'mqtt'] as const;
  readonly messages: { record: DeliveryRecord; priority: Priority; delaySeconds: number }[] = [];
  reject = new Set<string>();

  async enqueue(deliveries: readonly DeliveryRecord[], priority: Priority, delaySeconds = 0) {
    const failed: EnqueueFailure[] = [];
    for (const record of deliveries) {
      if (this.reject.has(record.deliveryId)) failed.push({ record, reason: 'queue refused' });
      else this.messages.push({ record, priority, delaySeconds });
    }
    return failed;
  }
}

/** A ReleaseScheduler that remembers schedules; `fail` makes `schedule` throw. */
export class FakeScheduler implements ReleaseScheduler {
  readonly schedules = new Map<string, number>();
  readonly deleted: string[] = [];
  fail = false;

  async schedule(notificationId: string, sendAt: number) {
    if (this.fail) throw new Error('ServiceQuotaExceededException');
    const name = `herald-${notificationId}`;
    this.schedules.set(name, sendAt);
    return name;
  }

  async unschedule(name: string) {
    this.deleted.push(name);
    this.schedules.delete(name);
  }
}

/** A provider that records every send and answers with what the test scripted. */
export class ScriptedProvider implements ChannelProvider<'sms'> {
  readonly channel = 'sms' as const;
  readonly sent: OutboundMessage<'sms'>[] = [];
  /** Answers in order; once used up, every send succeeds. */
  script: (ProviderError | 'ok')[] = [];
  /** Runs during the send, before the answer: lets a test race something against it. */
  during?: () => Promise<void>;

  async send(message: OutboundMessage<'sms'>): Promise<ProviderReceipt> {
    this.sent.push(message);
    await this.during?.();
    const next = this.script.shift() ?? 'ok';
    if (next instanceof ProviderError) throw next;
    return { providerMessageId: `SM${this.sent.length}` };
  }
}

export const transient = () => new ProviderError('transient', '20429', 'too many requests');
export const permanent = () => new ProviderError('permanent', '21211', 'invalid number');
