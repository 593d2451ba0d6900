/*
 * Every request the console makes goes through this module, so the shapes of endpoints still being
 * built (list, DLQ, suppressions, webhooks, faults, /v1/me) can be adjusted in one place.
 */

import {
  type Accepted,
  CHANNELS,
  type Channel,
  type DeadLetter,
  type Fault,
  type FieldError,
  type ListFilters,
  type LocalDeadLetter,
  type Me,
  type NotificationDetail,
  type NotificationSummary,
  type OutboxEntry,
  type Page,
  type Suppression,
  type Webhook,
} from './shapes';

export * from './shapes';

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

    /** Any other route, for views that keep their calls in a module of their own. */
    call: request,

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
