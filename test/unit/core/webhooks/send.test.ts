import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WEBHOOK_RETRY_DELAYS,
  type WebhookAttempt,
  type WebhookMessage,
  type WebhookRecord,
} from '../../../../functions/core/webhooks/model';
import type {
  EndpointResponse,
  WebhookQueue,
  WebhookRepository,
} from '../../../../functions/core/webhooks/ports';
import { sendWebhook } from '../../../../functions/core/webhooks/send';

const DAY = 86_400_000;

function setup(answers: Array<Partial<EndpointResponse>>, hook: Partial<WebhookRecord> = {}) {
  let webhook: WebhookRecord = {
    id: 'wh_1',
    tenantId: 't1',
    url: 'https://receiver.example/hook',
    events: ['delivery.delivered'],
    enabled: true,
    createdAt: 'c',
    updatedAt: 'c',
    secret: 'whsec_x',
    ...hook,
  };
  const attempts: WebhookAttempt[] = [];
  const enqueued: Array<{ message: WebhookMessage; delay: number }> = [];
  const dead: WebhookMessage[] = [];
  const webhooks: Pick<WebhookRepository, 'get' | 'update' | 'recordAttempt'> = {
    get: async () => structuredClone(webhook),
    update: async (_t, _id, set, remove = [], onlyIfEnabled = false) => {
      if (onlyIfEnabled && !webhook.enabled) return false;
      webhook = { ...webhook, ...set };
      for (const field of remove) delete webhook[field];
      return true;
    },
    recordAttempt: async (_id, attempt) => {
      attempts.push(attempt);
    },
  };
  const queue: WebhookQueue = {
    enqueue: async (messages, delay = 0) => {
      for (const message of messages) enqueued.push({ message, delay });
    },
    deadLetter: async (message) => {
      dead.push(message);
    },
  };
  let clock = 1_000_000;
  const calls: number[] = [];
  const deps = {
    webhooks: webhooks as WebhookRepository,
    queue,
    guard: { check: async (): Promise<string | undefined> => undefined },
    endpoint: {
      post: async () => {
        calls.push(clock);
        return { durationMs: 3, ...(answers.shift() ?? { statusCode: 200 }) };
      },
    },
    retryDelaysSeconds: DEFAULT_WEBHOOK_RETRY_DELAYS,
    disableAfterMs: 3 * DAY,
    now: () => clock,
  };
  const message: WebhookMessage = {
    v: 1,
    tenantId: 't1',
    webhookId: 'wh_1',
    event: {
      id: 'evt_1',
      type: 'webhook.test',
      occurredAt: 'x',
      tenantId: 't1',
      webhookId: 'wh_1',
    },
    attempt: 1,
  };
  return {
    deps,
    message,
    attempts,
    enqueued,
    dead,
    calls,
    webhook: () => webhook,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('sendWebhook', () => {
  it('delivers on 2xx and clears a failure streak', async () => {
    const t = setup([{ statusCode: 204 }], { failingSince: 5 });
    expect(await sendWebhook(t.deps, t.message)).toMatchObject({ result: 'delivered' });
    expect(t.webhook().failingSince).toBeUndefined();
    expect(t.attempts[0]).toMatchObject({
      outcome: 'delivered',
      statusCode: 204,
      attempt: 1,
      eventId: 'evt_1',
    });
  });

  it('follows the schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), hopping 15 min at a time, then the DLQ', async () => {
    const t = setup(Array.from({ length: 8 }, () => ({ statusCode: 500, body: 'down' })));
    let message = t.message;
    const waits: number[] = [];
    for (;;) {
      const result = await sendWebhook(t.deps, message);
      if (result.result === 'dead-lettered') break;
      expect(result.result).toBe('retrying');
      // Follow the re-enqueued message through its hops.
      for (;;) {
        const next = t.enqueued.shift();
        if (!next) throw new Error('nothing re-enqueued');
        expect(next.delay).toBeLessThanOrEqual(900);
        t.advance(next.delay * 1000);
        message = next.message;
        if (message.notBefore === undefined || message.notBefore <= t.deps.now()) break;
        const hop = await sendWebhook(t.deps, message);
        expect(hop.result).toBe('waiting');
      }
    }
    for (let i = 1; i < t.calls.length; i++)
      waits.push(((t.calls[i] ?? 0) - (t.calls[i - 1] ?? 0)) / 1000);
    expect(waits).toEqual(DEFAULT_WEBHOOK_RETRY_DELAYS);
    expect(t.calls).toHaveLength(8);
    expect(t.dead).toHaveLength(1);
    expect(new Set(t.attempts.map((a) => a.eventId))).toEqual(new Set(['evt_1']));
  });

  it('disables the endpoint on 410 Gone, once, and keeps that event in the DLQ', async () => {
    const t = setup([{ statusCode: 410 }]);
    expect(await sendWebhook(t.deps, t.message)).toMatchObject({ result: 'disabled' });
    expect(t.webhook()).toMatchObject({
      enabled: false,
      disabledReason: expect.stringContaining('410'),
    });
    // The event that met the 410 was not delivered: it waits in the DLQ for a re-enabled endpoint.
    expect(t.dead.map((m) => m.event.id)).toEqual(['evt_1']);
    expect(t.calls).toHaveLength(1);
  });

  it('dead-letters a queued retry whose endpoint was disabled meanwhile: re-enabling can recover it', async () => {
    const t = setup([{ statusCode: 500 }]);
    expect(await sendWebhook(t.deps, t.message)).toMatchObject({ result: 'retrying' });
    const retry = t.enqueued.shift()?.message;
    if (!retry) throw new Error('nothing re-enqueued');
    await t.deps.webhooks.update('t1', 'wh_1', { enabled: false });
    expect(await sendWebhook(t.deps, retry)).toMatchObject({ result: 'dead-lettered' });
    expect(t.dead).toEqual([retry]);
    expect(t.calls).toHaveLength(1);
  });

  it('drops a message whose endpoint was deleted (nothing could ever receive it)', async () => {
    const t = setup([]);
    t.deps.webhooks.get = async () => undefined;
    expect(await sendWebhook(t.deps, t.message)).toMatchObject({ result: 'dropped' });
    expect(t.dead).toHaveLength(0);
  });

  it('disables an endpoint failing for 3 days without a success', async () => {
    const t = setup([{ error: 'ECONNREFUSED' }, { statusCode: 502 }]);
    await sendWebhook(t.deps, t.message);
    expect(t.webhook().failingSince).toBe(1_000_000);
    t.advance(3 * DAY);
    expect(await sendWebhook(t.deps, { ...t.message, attempt: 2 })).toMatchObject({
      result: 'disabled',
    });
    expect(t.webhook().enabled).toBe(false);
    expect(t.dead).toHaveLength(1);
  });

  it('records a refused address as a failed attempt without calling it', async () => {
    const t = setup([]);
    t.deps.guard = { check: async () => 'host resolves to a non-public address' };
    expect(await sendWebhook(t.deps, t.message)).toMatchObject({ result: 'retrying' });
    expect(t.calls).toHaveLength(0);
    expect(t.attempts[0]).toMatchObject({ outcome: 'refused' });
  });
});
