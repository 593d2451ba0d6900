/** The delivery channels Herald knows. One SQS queue, one DLQ and one channel function each. */
import { CHANNELS, type Channel } from '../shared/vocabulary';
import type { RecipientFields, SkippedRecipient } from './recipient-fields';

export { CHANNELS, type Channel };

/**
 * Delivery states (see status.ts for the edges). `sent`: the provider accepted it (final for push
 * and MQTT, which report nothing back); `delivered`: the provider confirmed it (SES Delivery,
 * Twilio delivered, Slack posted); `bounced`, `complained`, `undelivered`: provider feedback;
 * `suppressed`: not sent, the recipient is on the tenant's suppression list.
 */
export const DELIVERY_STATUSES = [
  'scheduled',
  'queued',
  'sending',
  'sent',
  'delivered',
  'failed',
  'cancelled',
  'suppressed',
  'bounced',
  'complained',
  'undelivered',
  'skipped',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export type Priority = 'high' | 'normal';

/** Channel content after validation: what the provider needs, minus the recipient. */
export interface EmailContent {
  subject: string;
  text?: string;
  html?: string;
  from?: string;
  replyTo?: string;
  /** To recipient ids in a non-critical category: an RFC 8058 link per email (core/recipients). */
  listUnsubscribe?: { category: string };
}
export interface TextMessageContent {
  text: string;
}
/** An approved WhatsApp template (Twilio Content API): `HX` + 32 hex, variables by position. */
export interface WhatsAppTemplate {
  contentSid: string;
  variables?: Record<string, string>;
}
/**
 * Free text (inside the 24-hour session window) or a template (needed outside it: free text
 * there fails with Twilio error 63016). Exactly one of the two.
 */
export type WhatsAppContent =
  | { text: string; template?: never }
  | { template: WhatsAppTemplate; text?: never };
export interface PushContent {
  title: string;
  body: string;
  data?: Record<string, string>;
}
export interface SlackContent {
  text: string;
  blocks?: unknown[];
}
export interface MqttContent {
  /** Serialized payload (objects are JSON-encoded at validation time). */
  payload: string;
  qos: 0 | 1;
}

export interface ContentByChannel {
  email: EmailContent;
  sms: TextMessageContent;
  whatsapp: WhatsAppContent;
  push: PushContent;
  slack: SlackContent;
  mqtt: MqttContent;
}

/**
 * A validated request, whichever API shape it came in: per channel, the recipients (email
 * addresses, E.164 numbers, FCM tokens, one Slack channel, one MQTT topic) and the content.
 */
export interface ChannelRequest<C extends Channel = Channel> {
  channel: C;
  recipients: string[];
  content: ContentByChannel[C];
  /** Sent to recipient ids (core/recipients): the id each address of `recipients` belongs to. */
  recipientIds?: string[];
  /** Content per recipient, parallel to `recipients` (a template rendered for each); else `content`. */
  contents?: ContentByChannel[C][];
}

export type ChannelRequests = { [C in Channel]?: ChannelRequest<C> };

/** The template a notification was rendered from (issue 19): shown by GET, kept on the item. */
export interface TemplateUse {
  key: string;
  version: number;
  /** The locale variants rendered, per channel (after fallback; several when per recipient). */
  locales: Partial<Record<Channel, string[]>>;
}

export interface NotificationRequest {
  channels: ChannelRequests;
  /** Rendered from a template (POST /v1/notifications with `template`). */
  template?: TemplateUse;
  /** Epoch milliseconds; absent means "now". */
  sendAt?: number;
  priority: Priority;
  metadata?: Record<string, string>;
  /** Recipient ids (`to`), resolved by core/recipients before ingest; what they could not get. */
  skipped?: SkippedRecipient[];
}

/** One outbound unit: one channel x one recipient, as a provider sees it. */
export interface OutboundMessage<C extends Channel = Channel>
  extends Pick<RecipientFields, 'recipientId'> {
  channel: C;
  notificationId: string;
  deliveryId: string;
  /** The notification's tenant: providers that report back carry it (SES tags, Twilio callback). */
  tenantId: string;
  recipient: string;
  content: ContentByChannel[C];
}

/** The SQS message body for one delivery. Content lives on the notification item, not here. */
export interface DeliveryMessage extends Pick<RecipientFields, 'recipientId'> {
  v: 1;
  notificationId: string;
  deliveryId: string;
  channel: Channel;
  recipient: string;
  /**
   * The notification's tenant, so that the channel function's batch suppression check needs no
   * read of the notification. Messages queued before it was added have none: the function then
   * reads it.
   */
  tenantId?: string;
  /**
   * What the claim needs to create the delivery's item (a delivery not claimed yet has none, see
   * docs/architecture.md "Scale"): when it was accepted, its metadata and template. A message
   * without `createdAt` (queued before) claims an existing item only.
   */
  createdAt?: string;
  metadata?: Record<string, string>;
  template?: { key: string; version: number };
}

/** The notification item: who sent it, when it goes out, and the content of every channel. */
export interface NotificationRecord {
  id: string;
  tenantId: string;
  createdAt: string;
  sendAt?: string;
  priority: Priority;
  metadata?: Record<string, string>;
  content: { [C in Channel]?: ContentByChannel[C] };
  deliveryCount: number;
  /** Channels whose content is per delivery (items `CONTENT#<deliveryId>`), not in `content`. */
  personalized?: Channel[];
  /** The template and version the content was rendered from. */
  template?: TemplateUse;
  scheduleName?: string;
  /**
   * Epoch ms when the reconciler looks at this notification: when every delivery should be
   * final in the normal course (sendAt or createdAt, plus the reconcile delay).
   */
  reconcileAt?: number;
}

/**
 * Why a delivery failed: `permanent` (the provider or Herald refused it: bad address, missing
 * content) or `exhausted` (transient failures until the retries ran out; its message waits in the
 * DLQ and a replay re-opens it). Permanent failures are re-opened only when the operator asks.
 */
export type FailureKind = 'permanent' | 'exhausted';

/** One delivery item: one channel x one recipient, and where it stands. */
export interface DeliveryRecord extends RecipientFields {
  notificationId: string;
  deliveryId: string;
  channel: Channel;
  recipient: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  providerMessageId?: string;
  lastError?: string;
  /** Set while `failed`: whether a replay may re-open it without being asked to. */
  failure?: FailureKind;
  /** How often a DLQ replay re-opened this delivery. */
  replays?: number;
  /** `attempts` when a replay last re-opened it: the reconciler's attempt budget counts from it. */
  attemptsBeforeReplay?: number;
  /** Epoch ms until which a `sending` delivery belongs to the attempt that claimed it. */
  leaseUntil?: number;
  /** The tenant and the notification's metadata, copied at ingest so events need no extra read. */
  tenantId?: string;
  metadata?: Record<string, string>;
  /** The template and version it was rendered from, copied at ingest for its events. */
  template?: { key: string; version: number };
  /** Grows by one with every write of the item; orders the events of one delivery. */
  version?: number;
  /** The last ATTEMPT_HISTORY_SIZE attempts, oldest first. */
  history?: AttemptRecord[];
  /** Provider feedback that did not change the status: a transient bounce, a delay, `read`. */
  providerDetail?: string;
  /** Its own content, when its channel is personalized (stored as an item of its own). */
  content?: unknown;
}

/** What one attempt came to. `retry`: a transient failure, the delivery is tried again. */
export type AttemptOutcome = 'sent' | 'delivered' | 'failed' | 'retry' | 'suppressed';

/** One attempt of a delivery, as kept on the delivery item (same write as the status change). */
export interface AttemptRecord {
  /** Attempt number (the delivery's `attempts` after the claim that started it). */
  n: number;
  /** When the outcome was recorded, epoch milliseconds. */
  at: number;
  outcome: AttemptOutcome;
  /** The reason, shortened to ATTEMPT_ERROR_CHARS (the full last one is `lastError`). */
  error?: string;
  /** The sender it went out from (`<owner>:<channel>:<id>`), where rates or failover choose one. */
  sender?: string;
}

/** Attempts kept per delivery: enough to see a retry history, small enough for a 1 KB item. */
export const ATTEMPT_HISTORY_SIZE = 10;
/** Characters of an error kept per history entry. */
export const ATTEMPT_ERROR_CHARS = 40;

/**
 * What a provider's acceptance means per channel: Slack's `chat.postMessage` ok puts the message
 * in the channel (delivered); every other provider only queued it (sent), and email, SMS and
 * WhatsApp report later whether it arrived. Push and MQTT report nothing: `sent` is final.
 */
export const ACCEPTED_STATUS: Readonly<Record<Channel, 'sent' | 'delivered'>> = {
  email: 'sent',
  sms: 'sent',
  whatsapp: 'sent',
  push: 'sent',
  slack: 'delivered',
  mqtt: 'sent',
};

/** The outcome of trying to claim a delivery for sending. */
export type ClaimResult =
  | {
      claimed: true;
      attempts: number;
      /** The tenant recorded on the delivery, when the store returns it with the claim. */
      tenantId?: string;
    }
  | {
      claimed: false;
      reason: 'final' | 'in-flight' | 'missing';
      status?: DeliveryStatus;
      /** For `in-flight`: when the other attempt's lease runs out, if the store knows. */
      leaseUntil?: number;
    };

// Receive counts, attempt timing, leases and the reconcile delay: timing.ts (re-exported here).
export * from './timing';
