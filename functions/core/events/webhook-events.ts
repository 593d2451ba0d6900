import { eventId } from './event-id';

/** Events about a webhook endpoint itself (not about a notification). */

/** An endpoint was switched off by Herald (410 Gone, or failing for too long). */
export interface WebhookDisabledEvent {
  id: string;
  type: 'webhook.disabled';
  occurredAt: string;
  tenantId: string;
  webhookId: string;
  url: string;
  reason: string;
}

/** Sent on request to check an endpoint. */
export interface WebhookTestEvent {
  id: string;
  type: 'webhook.test';
  occurredAt: string;
  tenantId: string;
  webhookId: string;
}

/** The parts of a webhook item the events function sees in its stream images. */
export interface WebhookSnapshot {
  id: string;
  tenantId: string;
  url: string;
  enabled: boolean;
  disabledReason?: string;
  disabledAt?: string;
  updatedAt: string;
}

/**
 * `webhook.disabled` when Herald switched an endpoint off (410 Gone, or failing for days): the
 * write sets `disabledReason`. A tenant disabling its own endpoint sets none and makes no event.
 */
export function webhookDisabledEventOf(
  before: WebhookSnapshot | undefined,
  after: WebhookSnapshot | undefined,
): WebhookDisabledEvent | undefined {
  if (!before?.enabled || !after || after.enabled || !after.disabledReason) return undefined;
  const occurredAt = after.disabledAt ?? after.updatedAt;
  return {
    id: eventId(after.id, 'disabled', occurredAt),
    type: 'webhook.disabled',
    occurredAt,
    tenantId: after.tenantId,
    webhookId: after.id,
    url: after.url,
    reason: after.disabledReason,
  };
}
