/*
 * Every request the console makes goes through this module, so the shapes of endpoints still being
 * built (list, DLQ, suppressions, webhooks, faults, /v1/me) can be adjusted in one place.
 */

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

/** A non-2xx answer: `{ message, errors? }` as every Herald route answers. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The route does not exist on this server (not deployed yet, or not local). */
export class NotAvailableError extends ApiError {
  constructor(
    status: number,
    readonly path: string,
  ) {
    super(status, `${path} is not available on this server`);
    this.name = 'NotAvailableError';
  }
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

/** Statuses by which a server says "no such route" rather than "no such thing". */
const MISSING_ROUTE = [404, 405, 501];

/**
 * Where the API lives relative to the page: the console is served at `<base>console` (deployed,
 * base is the stage, e.g. `/prod/`) and at `/` locally.
 */
export function apiBase(pathname: string): string {
  const base = pathname.replace(/console\/?$/, '');
  return base.endsWith('/') ? base : `${base}/`;
}

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** A 404/405/501 means the route is missing (default) rather than the resource. */
  routeOptional?: boolean;
}

export function createApi(base: string, key: () => string | undefined) {
  async function request<T>(method: string, path: string, options: RequestOptions = {}) {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    const apiKey = key();
    if (apiKey && !path.startsWith('_local/')) headers.authorization = `Bearer ${apiKey}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok) return json as T;
    const routePath = `/${path.split('?')[0]}`;
    if (options.routeOptional !== false && MISSING_ROUTE.includes(response.status)) {
      throw new NotAvailableError(response.status, routePath);
    }
    const body = (json ?? {}) as { message?: unknown; errors?: unknown };
    const message =
      typeof body.message === 'string' ? body.message : `${response.status} ${response.statusText}`;
    const errors = Array.isArray(body.errors) ? (body.errors as FieldError[]) : [];
    throw new ApiError(response.status, message, errors);
  }

  const id = encodeURIComponent;

  return {
    me: () => request<Me>('GET', 'v1/me'),

    listNotifications(filters: ListFilters) {
      const query = new URLSearchParams();
      if (filters.status) query.set('status', filters.status);
      if (filters.channel) query.set('channel', filters.channel);
      if (filters.from) query.set('from', filters.from);
      if (filters.to) query.set('to', filters.to);
      if (filters.metadataKey && filters.metadataValue) {
        query.set(`metadata.${filters.metadataKey}`, filters.metadataValue);
      }
      query.set('limit', String(filters.limit ?? 25));
      if (filters.cursor) query.set('cursor', filters.cursor);
      return request<Page<NotificationSummary>>('GET', `v1/notifications?${query}`);
    },
    getNotification: (notificationId: string) =>
      request<NotificationDetail>('GET', `v1/notifications/${id(notificationId)}`, {
        routeOptional: false,
      }),
    cancelNotification: (notificationId: string) =>
      request<{ cancelled: number }>('DELETE', `v1/notifications/${id(notificationId)}`, {
        routeOptional: false,
      }),
    send: (body: unknown, idempotencyKey?: string) =>
      request<Accepted>('POST', 'v1/notifications', {
        body,
        routeOptional: false,
        ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
      }),

    listDlq: (channel: Channel) =>
      request<{ messages: DeadLetter[] }>('GET', `v1/dlq?channel=${id(channel)}`),
    replayDlq: (body: { channel: Channel; notificationId?: string; limit?: number }) =>
      request<{ replayed: number; skipped: number; kept?: number }>('POST', 'v1/dlq/replay', {
        body,
      }),

    listSuppressions: (cursor?: string) =>
      request<Page<Suppression>>('GET', `v1/suppressions${cursor ? `?cursor=${id(cursor)}` : ''}`),
    addSuppression: (body: { channel: Channel; recipient: string; reason?: string }) =>
      request<Suppression>('POST', 'v1/suppressions', { body }),
    removeSuppression: (channel: Channel, recipient: string) =>
      request<unknown>('DELETE', `v1/suppressions/${id(channel)}/${id(recipient)}`),

    listWebhooks: () => request<Page<Webhook>>('GET', 'v1/webhooks'),
    createWebhook: (body: { url: string; events?: string[] }) =>
      request<Webhook & { secret?: string }>('POST', 'v1/webhooks', { body }),
    testWebhook: (webhookId: string) =>
      request<unknown>('POST', `v1/webhooks/${id(webhookId)}/test`),
    setWebhookEnabled: (webhookId: string, enabled: boolean) =>
      request<Webhook>('PATCH', `v1/webhooks/${id(webhookId)}`, { body: { enabled } }),
    deleteWebhook: (webhookId: string) =>
      request<unknown>('DELETE', `v1/webhooks/${id(webhookId)}`),
    rotateWebhook: (webhookId: string) =>
      request<{ secret?: string }>('POST', `v1/webhooks/${id(webhookId)}/rotate-secret`),

    outbox: () => request<OutboxEntry[]>('GET', '_local/outbox'),
    /** The local stack's raw view of every DLQ (bodies included), no key needed. */
    localDlq: () => request<Record<string, LocalDeadLetter[]>>('GET', '_local/dlq'),
    async faults(): Promise<Fault[]> {
      return normaliseFaults(await request<unknown>('GET', '_local/faults'));
    },
    setFault: (body: { channel: Channel; outage?: boolean; latencyMs?: number }) =>
      request<unknown>('POST', '_local/faults', { body }),
    clearFaults: () => request<unknown>('DELETE', '_local/faults'),
  };
}

export type Api = ReturnType<typeof createApi>;

/** `GET /_local/faults` as a list: accepts `[...]`, `{faults: ...}` or `{<channel>: {...}}`. */
export function normaliseFaults(raw: unknown): Fault[] {
  const unwrapped =
    raw && typeof raw === 'object' && 'faults' in raw ? (raw as { faults: unknown }).faults : raw;
  const entries: Array<[string, unknown]> = Array.isArray(unwrapped)
    ? unwrapped.map((f) => [String((f as { channel?: unknown }).channel), f])
    : Object.entries((unwrapped ?? {}) as Record<string, unknown>);
  const byChannel = new Map(entries);
  return CHANNELS.map((channel) => {
    const f = (byChannel.get(channel) ?? {}) as { outage?: unknown; latencyMs?: unknown };
    return { channel, outage: f.outage === true, latencyMs: Number(f.latencyMs ?? 0) || 0 };
  });
}

/** What one key may do; `undefined` scopes (no /v1/me) means the console shows everything. */
export function can(scopes: string[] | undefined, scope: 'send' | 'read' | 'admin'): boolean {
  return scopes === undefined || scopes.includes(scope);
}
