import {
  becameFinal,
  completionEventOf,
  type DeliveryChange,
  type DeliverySnapshot,
  deliveryEventOf,
  type HeraldEvent,
  type WebhookSnapshot,
  webhookDisabledEventOf,
} from '../events/model';
import type { DeliveryStateReader, EventTopic } from '../events/ports';
import { mapWithConcurrency } from '../shared/concurrency';
import type { WebhookMessage, WebhookRecord } from '../webhooks/model';
import type { WebhookQueue } from '../webhooks/ports';

export interface PublishEventsDependencies {
  states: DeliveryStateReader;
  topic: EventTopic;
  /** The tenant's webhooks (the handler may cache them for a few seconds). */
  webhooks: (
    tenantId: string,
  ) => Promise<ReadonlyArray<Pick<WebhookRecord, 'id' | 'events' | 'enabled'>>>;
  webhookQueue: WebhookQueue;
}

/** Completion checks in flight at once. */
const CHECK_PARALLEL = 10;

/**
 * Turns a batch of recorded delivery changes (a DynamoDB Stream batch, in order) into events:
 * publishes them to the topic, then puts one message per event and subscribed webhook on the
 * webhook queue. Any failure throws, and the whole batch comes again: consumers may see an
 * event twice, always with the same id, and never an event for a change that was not recorded.
 */
export async function publishChanges(
  deps: PublishEventsDependencies,
  changes: readonly DeliveryChange[],
  webhookChanges: ReadonlyArray<{ before?: WebhookSnapshot; after?: WebhookSnapshot }> = [],
): Promise<HeraldEvent[]> {
  const events: HeraldEvent[] = [];
  for (const { before, after } of webhookChanges) {
    const disabled = webhookDisabledEventOf(before, after);
    if (disabled) events.push(disabled);
  }
  // The last change in the batch that finished a delivery, per notification: one check each.
  const finishing = new Map<string, DeliverySnapshot>();
  for (const change of changes) {
    const event = deliveryEventOf(change);
    if (event) events.push(event);
    if (change.after && becameFinal(change))
      finishing.set(change.after.notificationId, change.after);
  }
  const completions = await mapWithConcurrency([...finishing.values()], CHECK_PARALLEL, (after) =>
    deps.states
      .deliveryStates(after.notificationId)
      .then((states) => completionEventOf(after, states)),
  );
  for (const completion of completions) if (completion) events.push(completion);
  if (events.length === 0) return events;
  await deps.topic.publish(events);
  await deps.webhookQueue.enqueue(await webhookMessages(deps, events));
  return events;
}

/** One message per event and enabled webhook of its tenant that subscribed to its type. */
export async function webhookMessages(
  deps: Pick<PublishEventsDependencies, 'webhooks'>,
  events: readonly HeraldEvent[],
): Promise<WebhookMessage[]> {
  const tenants = [...new Set(events.map((e) => e.tenantId))];
  const byTenant = new Map(
    await Promise.all(tenants.map(async (t) => [t, await deps.webhooks(t)] as const)),
  );
  const messages: WebhookMessage[] = [];
  for (const event of events) {
    for (const webhook of byTenant.get(event.tenantId) ?? []) {
      if (!webhook.enabled || !webhook.events.includes(event.type)) continue;
      messages.push({ v: 1, tenantId: event.tenantId, webhookId: webhook.id, event, attempt: 1 });
    }
  }
  return messages;
}
