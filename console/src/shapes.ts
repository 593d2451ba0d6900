/** The words and shapes of Herald's API as the console reads them (re-exported by api.ts). */

export const CHANNELS = ['email', 'sms', 'whatsapp', 'push', 'slack', 'mqtt'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Statuses after which a delivery does not move any more (`sent` is final for push and MQTT). */
export const FINAL_STATUSES = [
  'delivered',
  'failed',
  'cancelled',
  'suppressed',
  'bounced',
  'complained',
  'undelivered',
];
export const AGGREGATE_STATUSES = [
  'scheduled',
  'in_progress',
  'sent',
  'delivered',
  'failed',
  'partially_failed',
  'cancelled',
];

export interface FieldError {
  path: string;
  message: string;
}

export interface Attempt {
  attempt: number;
  at: string;
  outcome: string;
  error?: string;
}

export interface Delivery {
  id: string;
  channel: Channel;
  recipient: string;
  status: string;
  attempts: number;
  providerMessageId?: string;
  lastError?: string;
  history?: Attempt[];
  createdAt?: string;
  updatedAt?: string;
}

export interface NotificationDetail {
  id: string;
  status: string;
  createdAt: string;
  sendAt?: string;
  priority?: string;
  metadata?: Record<string, string>;
  counts?: Record<string, number>;
  deliveries: Delivery[];
}

/** One row of `GET /v1/notifications`; fields past id/status/createdAt are optional. */
export interface NotificationSummary {
  id: string;
  status: string;
  createdAt: string;
  sendAt?: string;
  priority?: string;
  channels?: Channel[];
  /** Deliveries per status, all channels together. */
  counts?: Record<string, number>;
  /** Per channel, deliveries per status; the outcomes chart prefers it when present. */
  byChannel?: Partial<Record<Channel, Record<string, number>>>;
  /** A count (as the list answers today) or each delivery's channel and status. */
  deliveries?: number | Array<Pick<Delivery, 'channel' | 'status'>>;
  metadata?: Record<string, string>;
}

export interface ListFilters {
  status?: string;
  channel?: string;
  from?: string;
  to?: string;
  metadataKey?: string;
  metadataValue?: string;
  limit?: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface Me {
  tenantId: string;
  scopes: string[];
}

export interface DeadLetter {
  messageId: string;
  channel: Channel;
  notificationId?: string;
  deliveryId?: string;
  sentAt?: string;
  receiveCount?: number;
}

export interface Suppression {
  channel: Channel;
  recipient: string;
  reason?: string;
  createdAt?: string;
}

export interface Webhook {
  id: string;
  url: string;
  events?: string[];
  enabled?: boolean;
  disabledReason?: string;
  createdAt?: string;
}

export interface OutboxEntry {
  channel: Channel;
  recipient: string;
  content: Record<string, unknown>;
  providerMessageId: string;
  receivedAt: string;
}

export interface LocalDeadLetter {
  messageId: string;
  sentAt?: string;
  receiveCount?: number;
  body: string;
}

export interface Fault {
  channel: Channel;
  outage: boolean;
  latencyMs: number;
}

export interface Accepted {
  id: string;
  status: string;
  deliveries: number;
}
