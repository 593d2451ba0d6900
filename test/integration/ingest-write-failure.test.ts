import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitForFinal } from '../support/client';

// Ingest when DynamoDB will not take every item (BatchWriteItem is not atomic: throttled items
// come back unprocessed). The client is told 503 with Retry-After and that nothing was queued;
// that must stay true: nothing of the failed request is ever sent, not by a batch that lands
// late, not by the reconciler, and the client's retry under the same Idempotency-Key sends each
// message exactly once.

const RECONCILE_AFTER_SECONDS = 1;

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

/** Recipients whose items DynamoDB leaves unprocessed; recipients whose batches land late. */
const faults = { unprocessed: new Set<string>(), slow: new Set<string>(), slowMs: 0 };

type WriteRequest = { PutRequest?: { Item?: Record<string, unknown> } };
type BatchInput = { RequestItems?: Record<string, WriteRequest[]> };
type BatchOutput = { UnprocessedItems?: Record<string, WriteRequest[]> };

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    log: () => undefined,
    logLevel: 'SILENT',
    reconcileIntervalMs: 500,
    reconcileAfterSeconds: RECONCILE_AFTER_SECONDS,
  });
  api = apiClient(stack);
  // The api function's own DynamoDB client (shared in this process; imported only now, so that
  // it is built with the local stack's endpoint): its BatchWriteItem calls meet the faults.
  const { dynamoClient } = await import('../../functions/runtime/aws-clients');
  dynamoClient.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as BatchInput;
      const [table, requests] = Object.entries(input.RequestItems ?? {})[0] ?? [];
      // A delivery item names one recipient; a page item (deliveries not claimed yet, up to
      // 1,000 a page) names those of its entries.
      const recipientsOf = (r: WriteRequest) => {
        const item = r.PutRequest?.Item ?? {};
        const byChannel = (item.d ?? {}) as Record<string, Record<string, string | string[]>>;
        const entries = Object.values(byChannel).flatMap((e) => Object.values(e));
        return [String(item.recipient), ...entries.map((e) => String(Array.isArray(e) ? e[0] : e))];
      };
      const hit = (set: Set<string>) => (r: WriteRequest) =>
        recipientsOf(r).some((n) => set.has(n));
      if (!table || !requests?.some((r) => r.PutRequest)) return next(args);
      if (requests.some(hit(faults.slow))) {
        await new Promise((resolve) => setTimeout(resolve, faults.slowMs));
      }
      const refused = requests.filter(hit(faults.unprocessed));
      if (refused.length === 0) return next(args);
      const rest = requests.filter((r) => !refused.includes(r));
      const result = rest.length
        ? await next({ ...args, input: { ...input, RequestItems: { [table]: rest } } })
        : ({ output: { $metadata: {} }, response: {} } as Awaited<ReturnType<typeof next>>);
      const output = result.output as BatchOutput;
      output.UnprocessedItems = {
        [table]: [...(output.UnprocessedItems?.[table] ?? []), ...refused],
      };
      return result;
    },
    { step: 'initialize', name: 'unprocessedItems' },
  );
});
afterAll(() => stack?.stop());
afterEach(() => {
  faults.unprocessed.clear();
  faults.slow.clear();
  faults.slowMs = 0;
});

/** `n` SMS numbers no other test uses, all delivered by the Twilio fake (not ...0004/0005). */
function numbers(n: number): string[] {
  const block = String(100 + Math.floor(Math.random() * 900));
  return Array.from({ length: n }, (_, i) => `+1415${block}${1000 + i}`);
}

async function post(to: string[], key: string) {
  const response = await fetch(`${stack.url}/v1/notifications`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.devApiKey}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify({ channels: { sms: { to, text: 'once only' } } }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    replayed: response.headers.get('idempotency-replayed'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** Retries the request as a client would, then checks every recipient got exactly one message. */
async function retriedOnce(to: string[], key: string) {
  const retry = await post(to, key);
  expect(retry.status).toBe(202);
  expect(retry.replayed).toBeNull();
  const final = await waitForFinal(api, String(retry.body.id), 30_000);
  expect(['sent', 'delivered']).toContain(final.status);
  // Past every reconcile deadline of the failed request: the reconciler has had its look.
  await new Promise((resolve) => setTimeout(resolve, RECONCILE_AFTER_SECONDS * 1000 + 1_000));
  await stack.reconcile();
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const counts = to.map((recipient) => stack.outbox.list({ recipient }).length);
  expect(counts).toEqual(to.map(() => 1));
}

describe('ingest when DynamoDB leaves items unprocessed', () => {
  it('a refused first batch: 503 with Retry-After, nothing sent, the same key then sends once', async () => {
    const to = numbers(30);
    faults.unprocessed.add(to[2] as string);
    const key = `write-first-${Date.now()}`;

    const failed = await post(to, key);

    expect(failed.status).toBe(503);
    expect(failed.retryAfter).toMatch(/^\d+$/);
    expect(String(failed.body.message)).toMatch(/nothing .*sent/i);
    faults.unprocessed.clear();
    await retriedOnce(to, key);
  }, 60_000);

  it('a refused later batch while another is still in flight: that one lands and is still never sent', async () => {
    const to = numbers(60);
    faults.unprocessed.add(to[30] as string);
    for (const n of to.slice(50)) faults.slow.add(n);
    // Longer than the write's retries of the refused batch: it lands after the failure is known.
    faults.slowMs = 4_500;
    const key = `write-late-${Date.now()}`;

    const failed = await post(to, key);

    expect(failed.status).toBe(503);
    expect(failed.retryAfter).toMatch(/^\d+$/);
    faults.unprocessed.clear();
    faults.slow.clear();
    await retriedOnce(to, key);
  }, 60_000);
});
