import type {
  DeadLetter,
  DeadLetterQueues,
  DeadLetterSource,
} from '../../../functions/core/dead-letters/queues';
import type {
  ChannelProvider,
  ProviderReceipt,
  SendOptions,
} from '../../../functions/core/delivery/ports';
import type {
  DeliveryRepository,
  ReportChange,
  ReportWrite,
  SuppressionList,
} from '../../../functions/core/delivery/report-ports';
import type {
  Channel,
  ClaimResult,
  ContentByChannel,
  DeliveryRecord,
  DeliveryStatus,
  FailureKind,
  NotificationRecord,
  OutboundMessage,
  Priority,
} from '../../../functions/core/notifications/model';
import type {
  DeliveryQueue,
  DueNotification,
  EnqueueFailure,
  OpenWorkIndex,
  ReleaseScheduler,
} from '../../../functions/core/notifications/ports';
import {
  CANCELLABLE,
  CLAIMABLE,
  canTransition,
} from '../../../functions/core/notifications/status';
import { NotRecordedError, ProviderError } from '../../../functions/core/shared/errors';
import { type SuppressionEntry, suppressionKey } from '../../../functions/core/suppressions/model';

/**
 * In-memory NotificationRepository with the same conditional semantics as the DynamoDB adapter:
 * every change names the statuses it may start from and answers whether it happened.
 */
export class InMemoryRepository implements DeliveryRepository {
  readonly notifications = new Map<string, NotificationRecord>();
  readonly deliveries = new Map<string, DeliveryRecord>();
  /**
   * When set, `create` writes this many deliveries, then fails as the store does: without the
   * notification (nothing sendable), the written deliveries left behind as inert leftovers.
   */
  failCreateAfter?: number;
  /** When set, the next this-many outcome writes (delivered, failed, retry) throw. */
  failOutcomeWrites = 0;
  /** Outcome writes that were attempted, thrown or not. */
  outcomeWrites = 0;

  #key(notificationId: string, deliveryId: string) {
    return `${notificationId}/${deliveryId}`;
  }

  delivery(notificationId: string, deliveryId: string) {
    return this.deliveries.get(this.#key(notificationId, deliveryId));
  }

  async create(notification: NotificationRecord, deliveries: readonly DeliveryRecord[]) {
    const limit = this.failCreateAfter ?? deliveries.length;
    for (const d of deliveries.slice(0, limit)) {
      this.deliveries.set(this.#key(d.notificationId, d.deliveryId), structuredClone(d));
    }
    if (limit < deliveries.length) throw new NotRecordedError(notification.id);
    this.notifications.set(notification.id, structuredClone(notification));
  }

  async get(id: string) {
    const notification = this.notifications.get(id);
    if (!notification) return undefined;
    const deliveries = [...this.deliveries.values()]
      .filter((d) => d.notificationId === id)
      .map((d) => structuredClone(d));
    return { notification: structuredClone(notification), deliveries };
  }

  async getContent<C extends Channel>(id: string, channel: C) {
    return this.notifications.get(id)?.content[channel] as ContentByChannel[C] | undefined;
  }

  async claim(notificationId: string, deliveryId: string, now: number, leaseMs: number) {
    const d = this.delivery(notificationId, deliveryId);
    if (!d) return { claimed: false, reason: 'missing' } satisfies ClaimResult;
    const expiredLease = d.status === 'sending' && (d.leaseUntil ?? 0) < now;
    if (!CLAIMABLE.includes(d.status) && !expiredLease) {
      if (d.status !== 'sending') {
        return { claimed: false, reason: 'final', status: d.status } satisfies ClaimResult;
      }
      return {
        claimed: false,
        reason: 'in-flight',
        status: d.status,
        ...(d.leaseUntil !== undefined && { leaseUntil: d.leaseUntil }),
      } satisfies ClaimResult;
    }
    d.status = 'sending';
    d.attempts += 1;
    d.leaseUntil = now + leaseMs;
    d.updatedAt = new Date(now).toISOString();
    return {
      claimed: true,
      attempts: d.attempts,
      ...(d.tenantId && { tenantId: d.tenantId }),
    } satisfies ClaimResult;
  }

  #outcomeWrite() {
    this.outcomeWrites += 1;
    if (this.failOutcomeWrites > 0) {
      this.failOutcomeWrites -= 1;
      throw new Error('ProvisionedThroughputExceededException');
    }
  }

  #transition(
    notificationId: string,
    deliveryId: string,
    from: readonly DeliveryStatus[],
    change: Partial<DeliveryRecord>,
  ): boolean {
    const to = change.status;
    const illegal = to === undefined ? undefined : from.find((s) => !canTransition(s, to));
    if (illegal) throw new Error(`illegal status change ${illegal} -> ${to ?? illegal}`);
    const d = this.delivery(notificationId, deliveryId);
    if (!d || !from.includes(d.status)) return false;
    Object.assign(d, change);
    return true;
  }

  async markSent(
    notificationId: string,
    deliveryId: string,
    status: 'sent' | 'delivered',
    providerMessageId?: string,
  ) {
    this.#outcomeWrite();
    return this.#transition(notificationId, deliveryId, ['sending'], {
      status,
      ...(providerMessageId ? { providerMessageId } : {}),
    });
  }

  /** Reads of a notification's tenant (the sender should need none for new messages). */
  tenantLookups = 0;

  async getTenant(id: string) {
    this.tenantLookups += 1;
    return this.notifications.get(id)?.tenantId;
  }

  /** Suppressed at send time, and provider reports: an outcome write. */
  async applyReport(
    notificationId: string,
    deliveryId: string,
    change: ReportChange,
  ): Promise<ReportWrite> {
    this.#outcomeWrite();
    const d = this.delivery(notificationId, deliveryId);
    if (!d) return { applied: false, missing: true };
    const illegal = change.from.find((s) => change.status && !canTransition(s, change.status));
    if (illegal) throw new Error(`illegal status change ${illegal} -> ${change.status}`);
    const otherMessage =
      change.providerMessageId !== undefined &&
      d.providerMessageId !== undefined &&
      d.providerMessageId !== change.providerMessageId;
    const found = () => ({
      recipient: d.recipient,
      status: d.status,
      ...(d.tenantId && { tenantId: d.tenantId }),
      ...(d.providerMessageId && { providerMessageId: d.providerMessageId }),
    });
    if (!change.from.includes(d.status) || otherMessage) return { applied: false, ...found() };
    Object.assign(d, {
      updatedAt: new Date(change.now).toISOString(),
      ...(change.status && { status: change.status }),
      ...(change.lastError !== undefined && { lastError: change.lastError }),
      ...(change.providerDetail !== undefined && { providerDetail: change.providerDetail }),
      ...(change.providerMessageId !== undefined && {
        providerMessageId: change.providerMessageId,
      }),
    });
    return { applied: true, ...found() };
  }

  async markFailed(
    notificationId: string,
    deliveryId: string,
    reason: string,
    _now: number,
    from: readonly DeliveryStatus[] = ['sending'],
    kind?: FailureKind,
  ) {
    if (from.length === 1 && from[0] === 'sending') this.#outcomeWrite();
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

  async failUnlessInFlight(
    notificationId: string,
    deliveryId: string,
    reason: string,
    now: number,
  ) {
    const d = this.delivery(notificationId, deliveryId);
    const leaseFree = d?.status === 'sending' && (d.leaseUntil ?? 0) < now;
    const from = leaseFree ? (['sending'] as const) : (['scheduled', 'queued'] as const);
    const changed = this.#transition(notificationId, deliveryId, from, {
      status: 'failed',
      lastError: reason,
    });
    if (changed && d) d.failure = 'exhausted';
    return changed;
  }

  async recordRetry(notificationId: string, deliveryId: string, reason: string) {
    this.#outcomeWrite();
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
      attemptsBeforeReplay: d?.attempts ?? 0,
    });
    if (changed && d) delete d.failure;
    return changed;
  }

  async recover(
    expected: Pick<DeliveryRecord, 'notificationId' | 'deliveryId' | 'status' | 'updatedAt'>,
    action: { requeue: true } | { fail: string },
    now: number,
  ) {
    const d = this.delivery(expected.notificationId, expected.deliveryId);
    if (!d || d.status !== expected.status || d.updatedAt !== expected.updatedAt) return false;
    const updatedAt = new Date(now).toISOString();
    const change: Partial<DeliveryRecord> =
      'fail' in action
        ? { status: 'failed', lastError: action.fail, updatedAt }
        : expected.status === 'scheduled'
          ? { status: 'queued', updatedAt }
          : { updatedAt };
    return this.#transition(expected.notificationId, expected.deliveryId, [d.status], change);
  }

  /** Moves a delivery's clock back, as if it had been left alone since `at`. */
  age(notificationId: string, deliveryId: string, at: number) {
    const d = this.delivery(notificationId, deliveryId);
    if (!d) throw new Error(`no delivery ${deliveryId}`);
    d.updatedAt = new Date(at).toISOString();
    if (d.leaseUntil !== undefined) d.leaseUntil = Math.min(d.leaseUntil, at);
  }
}

/** The open-work index over an InMemoryRepository: its notifications by reconcileAt. */
export class InMemoryIndex implements OpenWorkIndex {
  readonly shards = 2;
  saved: Record<number, number> = {};
  /** Notification ids per shard, as `due` last listed them. */
  readonly listed: string[] = [];

  constructor(private readonly store: InMemoryRepository) {}

  #shard(id: string) {
    return id.length % this.shards;
  }

  async *due(shard: number, after: number, through: number): AsyncIterable<DueNotification> {
    const entries = [...this.store.notifications.values()]
      .filter((n) => this.#shard(n.id) === shard && n.reconcileAt !== undefined)
      .filter((n) => (n.reconcileAt ?? 0) > after && (n.reconcileAt ?? 0) <= through)
      .sort((a, b) => (a.reconcileAt ?? 0) - (b.reconcileAt ?? 0));
    for (const n of entries) {
      this.listed.push(n.id);
      yield {
        id: n.id,
        reconcileAt: n.reconcileAt ?? 0,
        priority: n.priority,
        ...(n.sendAt !== undefined && { sendAt: Date.parse(n.sendAt) }),
      };
    }
  }

  async deliveries(notificationId: string) {
    return (await this.store.get(notificationId))?.deliveries ?? [];
  }

  async recheckAt(notificationId: string, at: number) {
    const n = this.store.notifications.get(notificationId);
    if (n) n.reconcileAt = at;
  }

  async progress() {
    return { ...this.saved };
  }

  async saveProgress(progress: Record<number, number>) {
    this.saved = { ...progress };
  }
}

/** An in-memory suppression list; `reads` counts findSuppressed calls. */
export class InMemorySuppressions implements SuppressionList {
  readonly entries = new Map<string, SuppressionEntry>();
  reads = 0;

  async findSuppressed(
    tenantId: string,
    recipients: readonly { channel: Channel; recipient: string }[],
  ) {
    this.reads += 1;
    return new Set(
      recipients
        .map((r) => suppressionKey(r.channel, r.recipient))
        .filter((key) => this.entries.has(`${tenantId}/${key}`)),
    );
  }

  async add(entry: SuppressionEntry) {
    const key = `${entry.tenantId}/${suppressionKey(entry.channel, entry.recipient)}`;
    if (this.entries.has(key)) return false;
    this.entries.set(key, entry);
    return true;
  }

  async remove(tenantId: string, channel: Channel, recipient: string) {
    return this.entries.delete(`${tenantId}/${suppressionKey(channel, recipient)}`);
  }

  async list(tenantId: string, options: { channel?: Channel }) {
    return {
      items: [...this.entries.values()].filter(
        (e) => e.tenantId === tenantId && (!options.channel || e.channel === options.channel),
      ),
    };
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
  /** Never answers: the send ends only when its signal aborts (a hung provider). */
  hang = false;
  /** Sends in progress now, and the most there ever were at once. */
  inFlight = 0;
  peakInFlight = 0;

  async send(message: OutboundMessage<'sms'>, options: SendOptions): Promise<ProviderReceipt> {
    this.sent.push(message);
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      await this.during?.();
      if (this.hang) {
        await new Promise((_, reject) =>
          options.signal.addEventListener('abort', () => reject(options.signal.reason), {
            once: true,
          }),
        );
      }
    } finally {
      this.inFlight -= 1;
    }
    const next = this.script.shift() ?? 'ok';
    if (next instanceof ProviderError) throw next;
    return { providerMessageId: `SM${this.sent.length}` };
  }
}

export const transient = () => new ProviderError('transient', '20429', 'too many requests');
export const permanent = () => new ProviderError('permanent', '21211', 'invalid number');

/** DeadLetterQueues in memory: held messages are out of view until deleted or released. */
export class InMemoryDeadLetterQueues implements DeadLetterQueues {
  readonly sources: readonly DeadLetterSource[] = [
    'email',
    'sms',
    'whatsapp',
    'push',
    'slack',
    'mqtt',
    'schedule',
  ];
  readonly letters = new Map<DeadLetterSource, (DeadLetter & { held: boolean })[]>();
  #next = 0;
  moveAll?: (source: DeadLetterSource) => Promise<string>;
  /** Messages a move task sent back: what SQS would put on the work queues. */
  readonly moved: DeadLetter[] = [];

  add(source: DeadLetterSource, body: unknown, sentAt = '2026-12-01T12:00:00.000Z'): string {
    const messageId = `m${++this.#next}`;
    const list = this.letters.get(source) ?? [];
    list.push({
      messageId,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      sentAt,
      receiveCount: 5,
      receipt: `r-${messageId}`,
      held: false,
    });
    this.letters.set(source, list);
    return messageId;
  }

  /** Messages still in the DLQ (held or not). */
  waiting(source: DeadLetterSource): string[] {
    return (this.letters.get(source) ?? []).map((l) => l.messageId);
  }

  enableMoveTask(): void {
    this.moveAll = async (source) => {
      const list = this.letters.get(source) ?? [];
      if (list.some((l) => l.held)) throw new Error('the move task only takes visible messages');
      this.moved.push(...list);
      this.letters.set(source, []);
      return `task-${source}`;
    };
  }

  async receive(source: DeadLetterSource, max: number): Promise<DeadLetter[]> {
    const visible = (this.letters.get(source) ?? []).filter((l) => !l.held).slice(0, max);
    for (const l of visible) {
      l.held = true;
      l.receiveCount += 1;
    }
    return visible.map(({ held: _held, ...letter }) => ({ ...letter }));
  }

  async delete(source: DeadLetterSource, receipts: readonly string[]): Promise<void> {
    const list = this.letters.get(source) ?? [];
    this.letters.set(
      source,
      list.filter((l) => !receipts.includes(l.receipt)),
    );
  }

  async release(source: DeadLetterSource, receipts: readonly string[]): Promise<void> {
    for (const l of this.letters.get(source) ?? [])
      if (receipts.includes(l.receipt)) l.held = false;
  }
}
