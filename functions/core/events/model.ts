import type {
  AttemptRecord,
  Channel,
  DeliveryRecord,
  DeliveryStatus,
} from '../notifications/model';
import { aggregateStatus, FINAL } from '../notifications/status';
import { eventId } from './event-id';
import {
  FANOUT_EVENT_TYPES,
  type FanoutCompletedEvent,
  type NotificationCompletedEvent,
} from './notification-events';
import { RECIPIENT_EVENT_TYPES, type RecipientEvent } from './recipient-event';
import type { WebhookDisabledEvent, WebhookTestEvent } from './webhook-events';

export {
  type WebhookDisabledEvent,
  type WebhookSnapshot,
  type WebhookTestEvent,
  webhookDisabledEventOf,
} from './webhook-events';
export type { FanoutCompletedEvent, NotificationCompletedEvent };
export { eventId };

/*
 * Delivery events: the public contract of what Herald tells clients (SNS topic, webhooks). They
 * are derived from recorded changes of delivery items only (old and new image of one write), so
 * there is no event for a write that did not happen and the same change always maps to the same
 * event, with the same id. docs/architecture.md ("Events") documents the shapes.
 */

/** Statuses a client hears about: each is one `delivery.<status>` event type. */
export const EVENT_STATUSES = [
  'sent',
  'delivered',
  'failed',
  'cancelled',
  'suppressed',
  'bounced',
  'complained',
  'undelivered',
  'skipped',
] as const satisfies readonly DeliveryStatus[];

export const DELIVERY_EVENT_TYPES = [
  ...EVENT_STATUSES.map((s) => `delivery.${s}` as const),
  'delivery.retrying',
] as const;
export type DeliveryEventType = (typeof DELIVERY_EVENT_TYPES)[number];

/** A workflow run started or ended; a step of one recorded its decision (core/workflows/events.ts). */
export const WORKFLOW_EVENT_TYPES = [
  'workflow.run.started',
  'workflow.run.completed',
  'workflow.run.failed',
  'workflow.run.cancelled',
  'workflow.run.throttled',
  'workflow.run.folded',
  'workflow.step.completed',
  'workflow.step.failed',
] as const;
export type WorkflowEventType = (typeof WORKFLOW_EVENT_TYPES)[number];

/** Every event type a webhook may subscribe to. */
export const EVENT_TYPES = [
  ...DELIVERY_EVENT_TYPES,
  ...WORKFLOW_EVENT_TYPES,
  'notification.completed',
  'webhook.disabled',
  'webhook.test',
  ...RECIPIENT_EVENT_TYPES,
  ...FANOUT_EVENT_TYPES,
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * What a webhook gets when it names no `events`: every final outcome and the completion, not
 * the (noisy) `delivery.retrying`, and not the operator-side `webhook.disabled`.
 */
export const DEFAULT_WEBHOOK_EVENTS: readonly EventType[] = [
  ...EVENT_STATUSES.map((s) => `delivery.${s}` as const),
  'notification.completed',
];

/** One delivery changed. */
export interface DeliveryEvent {
  id: string;
  type: DeliveryEventType;
  occurredAt: string;
  tenantId: string;
  notificationId: string;
  deliveryId: string;
  channel: Channel;
  recipient: string;
  /** The recipient profile id, when the delivery was addressed to one (`to: [id]`). */
  recipientId?: string;
  /** The template and version the content was rendered from, for a template send. */
  template?: { key: string; version: number };
  status: DeliveryStatus;
  attempts: number;
  /** Grows with every write of the delivery: orders the events of one delivery. */
  version: number;
  providerMessageId?: string;
  error?: string;
  metadata: Record<string, string>;
}

/** A run's recorded change: its status, or one step's decision (when, what, why, deliveries). */
export interface WorkflowEvent {
  id: string;
  type: WorkflowEventType;
  occurredAt: string;
  tenantId: string;
  runId: string;
  workflowKey: string;
  version: number;
  recipientId: string;
  status: string;
  reason?: string;
  step?: {
    id: string;
    type: string;
    decision: string;
    why?: string;
    until?: string;
    notificationId?: string;
  };
}

export type HeraldEvent =
  | DeliveryEvent
  | WorkflowEvent
  | NotificationCompletedEvent
  | WebhookDisabledEvent
  | WebhookTestEvent
  | RecipientEvent
  | FanoutCompletedEvent;

/** A delivery item as recorded, with what events need beyond the DeliveryRecord. */
export interface DeliverySnapshot extends DeliveryRecord {
  tenantId: string;
  version: number;
  metadata: Record<string, string>;
  history: AttemptRecord[];
}

/** One recorded write of a delivery item: the images before and after (absent: no item). */
export interface DeliveryChange {
  before?: DeliverySnapshot;
  after?: DeliverySnapshot;
}

function latestAttempt(snapshot: DeliverySnapshot | undefined): AttemptRecord | undefined {
  let latest: AttemptRecord | undefined;
  for (const entry of snapshot?.history ?? []) {
    if (!latest || entry.n > latest.n || (entry.n === latest.n && entry.at > latest.at)) {
      latest = entry;
    }
  }
  return latest;
}

/**
 * The event one recorded change means, if any: a move into a status clients hear about, or a
 * new transient failure recorded on a delivery still being sent (`delivery.retrying`).
 * Claims, releases and a replay re-opening `failed` are internal and make no event.
 */
export function deliveryEventOf(change: DeliveryChange): DeliveryEvent | undefined {
  const { before, after } = change;
  if (!after) return undefined;
  let type: DeliveryEventType | undefined;
  if (before?.status !== after.status) {
    if ((EVENT_STATUSES as readonly string[]).includes(after.status)) {
      type = `delivery.${after.status as (typeof EVENT_STATUSES)[number]}`;
    }
  } else if (after.status === 'sending') {
    const latest = latestAttempt(after);
    const previous = latestAttempt(before);
    const isNew = latest && (latest.n !== previous?.n || latest.at !== previous?.at);
    if (isNew && latest.outcome === 'retry') type = 'delivery.retrying';
  }
  if (!type) return undefined;
  const event: DeliveryEvent = {
    id: eventId(after.notificationId, after.deliveryId, after.version),
    type,
    occurredAt: after.updatedAt,
    tenantId: after.tenantId,
    notificationId: after.notificationId,
    deliveryId: after.deliveryId,
    channel: after.channel,
    recipient: after.recipient,
    status: after.status,
    attempts: after.attempts,
    version: after.version,
    metadata: after.metadata,
  };
  if (after.recipientId) event.recipientId = after.recipientId;
  if (after.template) event.template = after.template;
  if (after.providerMessageId) event.providerMessageId = after.providerMessageId;
  if (after.lastError && type !== 'delivery.sent' && type !== 'delivery.delivered') {
    event.error = after.lastError;
  }
  return event;
}

/** True when this change moved the delivery from not final (or nothing) into a final status. */
export function becameFinal(change: DeliveryChange): boolean {
  const after = change.after?.status;
  const before = change.before?.status;
  return after !== undefined && FINAL.includes(after) && (!before || !FINAL.includes(before));
}

/** The status and version of every delivery of one notification, read consistently. */
export interface DeliveryState {
  deliveryId: string;
  status: DeliveryStatus;
  version: number;
  /** Times a replay re-opened it (absent: never). */
  replays?: number;
}

/**
 * `notification.completed` for a notification whose deliveries are all final, else undefined.
 *
 * The id names the completion, not the moment it was read. Deliveries leave a final status only
 * when a replay re-opens them, which counts up `replays`, so the notification completes at most
 * once per total of replays: that total is the id. Readers of one completion agree on it however
 * much later they read (two deliveries finishing at once, a stream batch retried after a report
 * moved a final delivery on to a new version), and a completion after a replay gets a new one.
 * The trigger's own count comes from its change, the others' from the read.
 */
export function completionEventOf(
  trigger: DeliverySnapshot,
  states: readonly DeliveryState[],
): NotificationCompletedEvent | undefined {
  if (states.length === 0 || states.some((s) => !FINAL.includes(s.status))) return undefined;
  const counts: Partial<Record<DeliveryStatus, number>> = {};
  for (const s of states) counts[s.status] = (counts[s.status] ?? 0) + 1;
  let replays = trigger.replays ?? 0;
  for (const s of states) if (s.deliveryId !== trigger.deliveryId) replays += s.replays ?? 0;
  return {
    id: eventId(trigger.notificationId, 'completed', replays),
    type: 'notification.completed',
    occurredAt: trigger.updatedAt,
    tenantId: trigger.tenantId,
    notificationId: trigger.notificationId,
    status: aggregateStatus(states.map((s) => s.status)),
    counts,
    deliveries: states.length,
    metadata: trigger.metadata,
  };
}
