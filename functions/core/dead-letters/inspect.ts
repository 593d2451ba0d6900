import * as z from 'zod/mini';
import { parseDeliveryMessage } from '../delivery/delivery-message';
import { SETTLE_PARALLEL } from '../notifications/ingest';
import type {
  DeliveryMessage,
  DeliveryRecord,
  DeliveryStatus,
  FailureKind,
  NotificationRecord,
  Priority,
} from '../notifications/model';
import type { NotificationRepository } from '../notifications/ports';
import { CLAIMABLE } from '../notifications/status';
import { mapWithConcurrency } from '../shared/concurrency';
import { maskRecipient } from '../shared/mask';
import type { DeadLetter, DeadLetterQueues, DeadLetterSource } from './queues';

/** Which dead letters a replay (or a listing) looks at. */
export interface DeadLetterFilter {
  /** Only messages of this notification. */
  notificationId?: string;
  /** Only messages first sent at or after this time (epoch ms). */
  since?: number;
  /** At most this many matching messages. */
  limit?: number;
  /** Only this tenant's notifications (the API); others are left alone and not counted. */
  tenantId?: string;
  /** Look through at most this many messages in all (matching or not). */
  scanLimit?: number;
  /**
   * Seconds each message looked at stays out of view should the run die before putting it back
   * (the api: little more than its own timeout). Default HOLD_SECONDS.
   */
  holdSeconds?: number;
  /** Stop looking at this time (epoch ms): the api must answer inside its timeout. */
  deadline?: number;
}

/** What decides about dead letters: the DLQs and the recorded deliveries. */
export interface DeadLetterDependencies {
  dlq: DeadLetterQueues;
  store: NotificationRepository;
}

/** How long messages being looked at stay out of view; they are released when the run ends. */
export const HOLD_SECONDS = 120;

const scheduleBody = z.object({ notificationId: z.string().check(z.minLength(1)) });

/** A dead letter decoded: the delivery message of a channel DLQ, or a schedule's notification id. */
export interface Decoded {
  letter: DeadLetter;
  notificationId?: string;
  message?: DeliveryMessage;
}

export function decode(source: DeadLetterSource, letter: DeadLetter): Decoded {
  try {
    if (source === 'schedule') {
      const parsed = scheduleBody.safeParse(JSON.parse(letter.body));
      return parsed.success ? { letter, notificationId: parsed.data.notificationId } : { letter };
    }
    const message = parseDeliveryMessage(letter.body, source);
    return { letter, notificationId: message.notificationId, message };
  } catch {
    return { letter };
  }
}

/** The failure kind of a failed delivery; records written before kinds existed are read from the reason. */
export function failureKindOf(d: DeliveryRecord): FailureKind {
  if (d.failure) return d.failure;
  return d.lastError?.startsWith('gave up after') ? 'exhausted' : 'permanent';
}

/**
 * Takes the matching messages of one DLQ out of view (up to `limit`). The others are held while
 * the scan goes on (so that one pass sees each message once) and put back as soon as it ends,
 * before anything is decided or written: `looked` counts them. SQS cannot filter a receive, so a
 * scan cannot help holding (and counting a receive of) the messages it passes over; it keeps that
 * to the scan, bounded by `scanLimit` and `deadline`, each hold by `holdSeconds`.
 */
export async function collect(
  deps: DeadLetterDependencies,
  source: DeadLetterSource,
  filter: DeadLetterFilter,
): Promise<{ matching: Decoded[]; passed: number }> {
  const matching: Decoded[] = [];
  const others: DeadLetter[] = [];
  const limit = filter.limit ?? Number.POSITIVE_INFINITY;
  const scanLimit = filter.scanLimit ?? Number.POSITIVE_INFINITY;
  const owners = new Map<string, Promise<string | undefined>>();
  try {
    while (
      matching.length < limit &&
      matching.length + others.length < scanLimit &&
      (filter.deadline === undefined || Date.now() < filter.deadline)
    ) {
      const batch = await deps.dlq.receive(source, 10, filter.holdSeconds ?? HOLD_SECONDS);
      if (batch.length === 0) break;
      for (const letter of batch) {
        const decoded = decode(source, letter);
        const mine = await matches(deps, decoded, filter, owners);
        if (mine && matching.length < limit) matching.push(decoded);
        else others.push(letter);
      }
    }
  } catch (error) {
    // Nothing stays hidden for a scan that did not finish.
    await deps.dlq.release(source, [...matching.map((d) => d.letter), ...others].map(receipt));
    throw error;
  }
  await deps.dlq.release(source, others.map(receipt));
  return { matching, passed: others.length };
}

const receipt = (letter: DeadLetter) => letter.receipt;

async function matches(
  deps: DeadLetterDependencies,
  decoded: Decoded,
  filter: DeadLetterFilter,
  owners: Map<string, Promise<string | undefined>>,
): Promise<boolean> {
  if (filter.since !== undefined && Date.parse(decoded.letter.sentAt) < filter.since) return false;
  if (filter.notificationId !== undefined && decoded.notificationId !== filter.notificationId) {
    return false;
  }
  if (filter.tenantId === undefined) return true;
  // A tenant only ever sees messages it can prove are its own, and the proof reads nothing of
  // anyone else's: a delivery message names its tenant (Herald wrote it at ingest); only a
  // message without one (a schedule's, or one older than that) costs the notification's tenant
  // alone, never its content or deliveries.
  const { notificationId, message } = decoded;
  if (!notificationId) return false;
  if (message?.tenantId) return message.tenantId === filter.tenantId;
  let owner = owners.get(notificationId);
  if (!owner) {
    owner = deps.store.getTenant(notificationId);
    owners.set(notificationId, owner);
  }
  return (await owner) === filter.tenantId;
}

type Loaded = { notification: NotificationRecord; deliveries: DeliveryRecord[] } | undefined;

/** One read per notification per run. */
export class NotificationCache {
  readonly #loaded = new Map<string, Promise<Loaded>>();
  constructor(private readonly store: NotificationRepository) {}
  get(id: string): Promise<Loaded> {
    let found = this.#loaded.get(id);
    if (!found) {
      found = this.store.get(id);
      this.#loaded.set(id, found);
    }
    return found;
  }
}

/** The plan for one message before anything is written. */
export type Plan =
  | {
      kind: 'reopen';
      decoded: Decoded;
      record: DeliveryRecord;
      priority: Priority;
      failure: FailureKind;
    }
  | { kind: 'resend'; decoded: Decoded; record: DeliveryRecord; priority: Priority }
  | { kind: 'release'; decoded: Decoded }
  | { kind: 'skip'; decoded: Decoded; reason: string }
  | { kind: 'keep'; decoded: Decoded; reason: string };

export async function plan(
  source: DeadLetterSource,
  decoded: Decoded,
  options: { includePermanent?: boolean },
  notifications: NotificationCache,
): Promise<Plan> {
  if (!decoded.notificationId) {
    return { kind: 'keep', decoded, reason: 'not a Herald message' };
  }
  const found = await notifications.get(decoded.notificationId);
  if (!found) return { kind: 'skip', decoded, reason: 'notification no longer exists' };
  if (source === 'schedule') return { kind: 'release', decoded };
  const record = found.deliveries.find((d) => d.deliveryId === decoded.message?.deliveryId);
  if (!record) return { kind: 'skip', decoded, reason: 'delivery no longer exists' };
  const priority = found.notification.priority;
  const status: DeliveryStatus = record.status;
  if (status === 'failed') {
    const failure = failureKindOf(record);
    if (failure === 'permanent' && !options.includePermanent) {
      return {
        kind: 'keep',
        decoded,
        reason: 'failed permanently (include permanent failures to replay)',
      };
    }
    return { kind: 'reopen', decoded, record, priority, failure };
  }
  // Not final: its last message died before settling it. A new message is safe whatever races
  // it, because the channel function claims by conditional write.
  if (CLAIMABLE.includes(status) || status === 'sending') {
    return { kind: 'resend', decoded, record, priority };
  }
  return { kind: 'skip', decoded, reason: `already ${status}` };
}

/** One dead letter as an operator or a tenant sees it. */
export interface DeadLetterView {
  messageId: string;
  source: DeadLetterSource;
  sentAt: string;
  receiveCount: number;
  notificationId?: string;
  deliveryId?: string;
  /** Masked, as everywhere Herald shows a recipient. */
  recipient?: string;
  status?: DeliveryStatus;
  failure?: FailureKind;
  lastError?: string;
  replays?: number;
  /** The raw message body. */
  body: string;
}

/**
 * The matching messages of one DLQ with their deliveries' recorded state, changing nothing: each
 * message is held out of view while the listing runs, then released.
 */
export async function listDeadLetters(
  deps: DeadLetterDependencies,
  source: DeadLetterSource,
  filter: DeadLetterFilter = {},
): Promise<DeadLetterView[]> {
  const notifications = new NotificationCache(deps.store);
  const { matching } = await collect(deps, source, filter);
  try {
    return await mapWithConcurrency(
      matching,
      SETTLE_PARALLEL,
      async ({ letter, notificationId, message }) => {
        const view: DeadLetterView = {
          messageId: letter.messageId,
          source,
          sentAt: letter.sentAt,
          receiveCount: letter.receiveCount,
          body: letter.body,
        };
        if (notificationId) view.notificationId = notificationId;
        if (!message) return view;
        view.deliveryId = message.deliveryId;
        view.recipient = maskRecipient(message.channel, message.recipient);
        const found = notificationId ? await notifications.get(notificationId) : undefined;
        const record = found?.deliveries.find((d) => d.deliveryId === message.deliveryId);
        if (record) {
          view.status = record.status;
          if (record.status === 'failed') view.failure = failureKindOf(record);
          if (record.lastError) view.lastError = record.lastError;
          if (record.replays) view.replays = record.replays;
        }
        return view;
      },
    );
  } finally {
    await deps.dlq.release(
      source,
      matching.map((d) => d.letter.receipt),
    );
  }
}
