import type { WebhookAttempt, WebhookMessage, WebhookRecord } from './model';

/** The tenants' webhook endpoints and their recent attempts. */
export interface WebhookRepository {
  /** Fails with ConflictError when the tenant already has MAX_WEBHOOKS_PER_TENANT. */
  create(webhook: WebhookRecord): Promise<void>;
  list(tenantId: string): Promise<WebhookRecord[]>;
  get(tenantId: string, id: string): Promise<WebhookRecord | undefined>;
  /** False when there was no such webhook. */
  delete(tenantId: string, id: string): Promise<boolean>;
  /**
   * Sets `set` and removes `remove` on an existing webhook; with `onlyIfEnabled`, only while it
   * is enabled (so that one disabling wins). False when the webhook or the condition was not met.
   */
  update(
    tenantId: string,
    id: string,
    set: Partial<WebhookRecord>,
    remove?: ReadonlyArray<keyof WebhookRecord>,
    onlyIfEnabled?: boolean,
  ): Promise<boolean>;
  recordAttempt(webhookId: string, attempt: WebhookAttempt): Promise<void>;
  /** Newest first. */
  recentAttempts(webhookId: string, limit: number): Promise<WebhookAttempt[]>;
}

/** The webhook queue (SQS) and its DLQ. */
export interface WebhookQueue {
  /** Never partially: throws if any message could not be sent. */
  enqueue(messages: readonly WebhookMessage[], delaySeconds?: number): Promise<void>;
  deadLetter(message: WebhookMessage, reason: string): Promise<void>;
}

/** Whether Herald may call a URL; the reason it may not, or undefined. */
export interface UrlGuard {
  check(url: string): Promise<string | undefined>;
}

/** What an endpoint answered (or why there was no answer). */
export interface EndpointResponse {
  statusCode?: number;
  body?: string;
  error?: string;
  durationMs: number;
}

/** Signs and POSTs one event to one endpoint. */
export interface WebhookEndpoint {
  post(webhook: WebhookRecord, message: WebhookMessage, now: number): Promise<EndpointResponse>;
}
