import type { LocalStack } from '../../local/stack';
import { contractOf } from './contract';

/**
 * A small HTTP client for the local stack's API, as a user's code would call it. Every answer is
 * checked against the stack's own OpenAPI document (test/support/contract.ts): a status or body
 * the document does not describe throws.
 */
export function apiClient(stack: LocalStack, key = stack.devApiKey) {
  const request = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    let parsed = true;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { raw: text };
      parsed = false;
    }
    const contract = await contractOf(stack.url);
    const problems = contract.check(method, path, response.status, parsed ? json : text);
    if (problems.length > 0) {
      throw new Error(
        `answer does not match /openapi.json:\n  ${problems.join('\n  ')}\n${text.slice(0, 500)}`,
      );
    }
    return { status: response.status, body: json };
  };
  return {
    request,
    post: (path: string, body: unknown, headers?: Record<string, string>) =>
      request('POST', path, body, headers),
    get: (path: string) => request('GET', path),
    delete: (path: string) => request('DELETE', path),
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

type Notification = {
  status: string;
  deliveries: {
    id: string;
    channel: string;
    status: string;
    attempts: number;
    lastError?: string;
    providerDetail?: string;
    providerMessageId?: string;
    recipient: string;
  }[];
};

/** Waits until the notification has no delivery left in flight and returns it. */
export async function waitForFinal(
  api: ReturnType<typeof apiClient>,
  id: string,
  timeoutMs = 10_000,
): Promise<Notification> {
  return waitFor(
    async () => {
      const { status, body } = await api.get(`/v1/notifications/${id}`);
      if (status !== 200) return undefined;
      const n = body as unknown as Notification;
      return ['sent', 'delivered', 'failed', 'partially_failed', 'cancelled'].includes(n.status)
        ? n
        : undefined;
    },
    timeoutMs,
    `notification ${id} to reach a final state`,
  );
}

/**
 * Waits until every delivery of the notification has the status `expected` names for its channel
 * (provider feedback arrives after `sent`), and returns it.
 */
export async function waitForStatuses(
  api: ReturnType<typeof apiClient>,
  id: string,
  expected: Record<string, string>,
  timeoutMs = 10_000,
): Promise<Notification> {
  let last: Notification | undefined;
  return waitFor(
    async () => {
      const { status, body } = await api.get(`/v1/notifications/${id}`);
      if (status !== 200) return undefined;
      last = body as unknown as Notification;
      return last.deliveries.every((d) => expected[d.channel] === d.status) ? last : undefined;
    },
    timeoutMs,
    `notification ${id} to reach ${JSON.stringify(expected)} (last seen ${JSON.stringify(
      last?.deliveries.map((d) => [d.channel, d.status]) ?? [],
    )})`,
  );
}
