import type { WebhookAttemptOutcome, WebhookMessage, WebhookRecord } from './model';
import type { UrlGuard, WebhookEndpoint, WebhookQueue, WebhookRepository } from './ports';

export interface SendWebhookDependencies {
  webhooks: WebhookRepository;
  queue: WebhookQueue;
  endpoint: WebhookEndpoint;
  guard: UrlGuard;
  /** Waits before attempts 2, 3, ... in seconds; after the last, the DLQ. */
  retryDelaysSeconds: readonly number[];
  /** Failing without a success for this long disables the endpoint. */
  disableAfterMs: number;
  now?: () => number;
}

/** What became of one message; the handler turns it into metrics. */
export type WebhookSendResult =
  | { result: 'delivered'; durationMs: number }
  | { result: 'retrying'; inSeconds: number; durationMs: number; reason: string }
  | { result: 'dead-lettered'; reason: string }
  | { result: 'disabled'; reason: string }
  | { result: 'waiting'; inSeconds: number }
  | { result: 'dropped'; reason: string };

/** SQS holds a message back for at most 15 minutes. */
const MAX_DELAY_SECONDS = 900;

/**
 * One attempt to deliver one event to one endpoint. 2xx: delivered. 410: the endpoint is gone,
 * disabled, and the event dead-lettered (as is every message that later finds it disabled, so
 * that re-enabling it can recover them; only a deleted endpoint drops its messages). Anything
 * else (or no answer, or a refused address): the next attempt is put back on the queue after its
 * delay (longer waits hop through the queue 15 minutes at a time); after the last attempt the
 * message goes to the DLQ. An endpoint failing for `disableAfterMs` without a
 * success is disabled (`webhook.disabled` follows from that write).
 */
export async function sendWebhook(
  deps: SendWebhookDependencies,
  message: WebhookMessage,
): Promise<WebhookSendResult> {
  const now = deps.now ?? Date.now;
  const start = now();
  if (message.notBefore !== undefined && message.notBefore > start) {
    const inSeconds = Math.min(MAX_DELAY_SECONDS, Math.ceil((message.notBefore - start) / 1000));
    await deps.queue.enqueue([message], inSeconds);
    return { result: 'waiting', inSeconds };
  }
  const webhook = await deps.webhooks.get(message.tenantId, message.webhookId);
  if (!webhook) return { result: 'dropped', reason: 'webhook deleted' };
  if (!webhook.enabled) {
    // Not delivered, and the endpoint may be enabled again: the event waits in the DLQ, from
    // where it can be moved back to the queue then. Only a deleted endpoint drops its events.
    const reason = `webhook disabled${webhook.disabledReason ? `: ${webhook.disabledReason}` : ''}`;
    await deps.queue.deadLetter(message, reason);
    return { result: 'dead-lettered', reason };
  }

  const refused = await deps.guard.check(webhook.url);
  const response = refused
    ? { error: `refused: ${refused}`, durationMs: 0 }
    : await deps.endpoint.post(webhook, message, start);
  const code = response.statusCode;
  const outcome: WebhookAttemptOutcome = refused
    ? 'refused'
    : code !== undefined && code >= 200 && code < 300
      ? 'delivered'
      : code === 410
        ? 'gone'
        : 'failed';
  await deps.webhooks.recordAttempt(webhook.id, {
    at: new Date(start).toISOString(),
    eventId: message.event.id,
    type: message.event.type,
    attempt: message.attempt,
    outcome,
    durationMs: response.durationMs,
    ...(code !== undefined && { statusCode: code }),
    ...(response.error !== undefined && { error: response.error }),
    ...(response.body ? { response: response.body } : {}),
  });

  if (outcome === 'delivered') {
    if (webhook.failingSince !== undefined) {
      await deps.webhooks.update(webhook.tenantId, webhook.id, {}, ['failingSince']);
    }
    return { result: 'delivered', durationMs: response.durationMs };
  }
  if (outcome === 'gone') {
    const reason = 'the endpoint answered 410 Gone';
    await disable(deps, webhook, reason, now());
    // This event was not delivered either: kept like the retries a disabled endpoint leaves.
    await deps.queue.deadLetter(message, `webhook disabled: ${reason}`);
    return { result: 'disabled', reason: 'gone' };
  }
  const reason = response.error ?? `HTTP ${code}`;
  const failingSince = webhook.failingSince ?? start;
  if (webhook.failingSince === undefined) {
    await deps.webhooks.update(webhook.tenantId, webhook.id, { failingSince });
  }
  if (start - failingSince >= deps.disableAfterMs) {
    const days = Math.round(deps.disableAfterMs / 86_400_000);
    await disable(deps, webhook, `failing without a success for ${days} days`, now());
    await deps.queue.deadLetter(message, `webhook disabled: ${reason}`);
    return { result: 'disabled', reason: 'failing' };
  }
  const delay = deps.retryDelaysSeconds[message.attempt - 1];
  if (delay === undefined) {
    await deps.queue.deadLetter(message, `gave up after ${message.attempt} attempts: ${reason}`);
    return { result: 'dead-lettered', reason };
  }
  const next: WebhookMessage = { ...message, attempt: message.attempt + 1 };
  if (delay > MAX_DELAY_SECONDS) next.notBefore = start + delay * 1000;
  else delete next.notBefore;
  await deps.queue.enqueue([next], Math.min(delay, MAX_DELAY_SECONDS));
  return { result: 'retrying', inSeconds: delay, durationMs: response.durationMs, reason };
}

/**
 * Disables the endpoint (conditional on it being enabled, so one disabling wins). The
 * `webhook.disabled` event is derived from this recorded change by the events function.
 */
async function disable(
  deps: SendWebhookDependencies,
  webhook: WebhookRecord,
  reason: string,
  now: number,
): Promise<void> {
  const disabledAt = new Date(now).toISOString();
  await deps.webhooks.update(
    webhook.tenantId,
    webhook.id,
    { enabled: false, disabledReason: reason, disabledAt, updatedAt: disabledAt },
    [],
    true,
  );
}
