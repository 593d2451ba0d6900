import { ingestNotification } from '../../../functions/core/notifications/ingest';
import type { NotificationRequest } from '../../../functions/core/notifications/model';
import { FakeScheduler, InMemoryQueue, InMemoryRepository } from './fakes';

export const NOW = Date.parse('2026-12-01T12:00:00Z');

export function smsRequest(recipients: string[], extra: Partial<NotificationRequest> = {}) {
  return {
    channels: { sms: { channel: 'sms', recipients, content: { text: 'hello' } } },
    priority: 'normal',
    ...extra,
  } satisfies NotificationRequest;
}

/** A repository, queue and scheduler, and a helper that ingests one SMS notification. */
export function world() {
  const store = new InMemoryRepository();
  const queue = new InMemoryQueue();
  const scheduler = new FakeScheduler();
  const deps = { store, queue, scheduler };
  const ingest = (
    recipients: string[],
    extra: Partial<NotificationRequest> = {},
    id = 'n1',
    tenantId = 'acme',
  ) => ingestNotification(deps, smsRequest(recipients, extra), { id, tenantId, now: NOW });
  return { store, queue, scheduler, deps, ingest };
}
