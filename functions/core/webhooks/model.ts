import type { EventType, HeraldEvent } from '../events/model';

/** A tenant's webhook endpoint, as stored. The secrets never leave the store and the sender. */
export interface WebhookRecord {
  id: string;
  tenantId: string;
  url: string;
  events: EventType[];
  description?: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** Standard Webhooks secret, `whsec_<base64>`. */
  secret: string;
  /** After a rotation the old secret also signs, until `previousSecretExpiresAt` (epoch ms). */
  previousSecret?: string;
  previousSecretExpiresAt?: number;
  /** Epoch ms of the first failure since the last success; cleared by a success. */
  failingSince?: number;
  disabledReason?: string;
  disabledAt?: string;
}

/** What one delivery attempt to an endpoint came to. */
export type WebhookAttemptOutcome = 'delivered' | 'failed' | 'gone' | 'refused';

/** One attempt, kept a few days for `GET /v1/webhooks/{id}`. */
export interface WebhookAttempt {
  at: string;
  eventId: string;
  type: EventType;
  attempt: number;
  outcome: WebhookAttemptOutcome;
  statusCode?: number;
  durationMs: number;
  error?: string;
  /** At most WEBHOOK_RESPONSE_CHARS characters of what the endpoint answered. */
  response?: string;
}

/** The webhook queue's message: one event for one endpoint, and which attempt is next. */
export interface WebhookMessage {
  v: 1;
  tenantId: string;
  webhookId: string;
  event: HeraldEvent;
  /** 1 for the first attempt. */
  attempt: number;
  /** Epoch ms before which the attempt must not be made (waits longer than SQS's 15 min). */
  notBefore?: number;
}

/** Webhooks per tenant. */
export const MAX_WEBHOOKS_PER_TENANT = 10;
/** Characters of an endpoint's response body kept with an attempt. */
export const WEBHOOK_RESPONSE_CHARS = 256;
/** An endpoint gets this long to answer. */
export const WEBHOOK_TIMEOUT_MS = 5_000;
/**
 * Waits before attempts 2, 3, ... (seconds): immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
 * 10 h, about 28 hours in all; then the message goes to the webhook DLQ.
 */
export const DEFAULT_WEBHOOK_RETRY_DELAYS = [5, 300, 1800, 7200, 18000, 36000, 36000];
/** An endpoint failing without a success for this long is disabled. */
export const DEFAULT_WEBHOOK_DISABLE_AFTER_MS = 3 * 24 * 3600 * 1000;
/** How long the previous secret keeps signing after a rotation. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 3600 * 1000;
