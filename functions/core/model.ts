/** The delivery channels Herald knows. One SQS queue, one DLQ and one channel function each. */
export const CHANNELS = ['email', 'sms', 'whatsapp', 'push', 'slack', 'mqtt'] as const;
export type Channel = (typeof CHANNELS)[number];

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
}
export interface TextMessageContent {
  text: string;
}
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
  whatsapp: TextMessageContent;
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
}

export type ChannelRequests = { [C in Channel]?: ChannelRequest<C> };

export interface NotificationRequest {
  channels: ChannelRequests;
  /** Epoch milliseconds; absent means "now". */
  sendAt?: number;
  priority: Priority;
  metadata?: Record<string, string>;
}

/** One outbound unit: one channel x one recipient, as a provider sees it. */
export interface OutboundMessage<C extends Channel = Channel> {
  channel: C;
  notificationId: string;
  deliveryId: string;
  recipient: string;
  content: ContentByChannel[C];
}

/** The SQS message body for one delivery. Content lives on the notification item, not here. */
export interface DeliveryMessage {
  v: 1;
  notificationId: string;
  deliveryId: string;
  channel: Channel;
  recipient: string;
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
  scheduleName?: string;
}

/**
 * Why a delivery failed: `permanent` (the provider or Herald refused it: bad address, missing
 * content) or `exhausted` (transient failures until the retries ran out; its message waits in the
 * DLQ and a replay re-opens it). Permanent failures are re-opened only when the operator asks.
 */
export type FailureKind = 'permanent' | 'exhausted';

/** One delivery item: one channel x one recipient, and where it stands. */
export interface DeliveryRecord {
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
}

/** The outcome of trying to claim a delivery for sending. */
export type ClaimResult =
  | { claimed: true; attempts: number }
  | { claimed: false; reason: 'final' | 'in-flight' | 'missing'; status?: DeliveryStatus };

/**
 * Receives of one SQS message before it moves to the channel's DLQ: the redrive policy of the
 * deployed and local queues and the channel functions' "last receive" rule all use this value.
 */
export const MAX_RECEIVE_COUNT = 5;

/**
 * Every provider call gives up after this long. The channel function's 30 s timeout must cover
 * a whole batch even when it is sent one record at a time (SEND_CONCURRENCY 1): a call that
 * hung would time the invocation out, and after the lease the delivery would be sent again.
 * A timeout is a transient failure, retried by SQS.
 */
export const PROVIDER_TIMEOUT_MS = 5_000;
