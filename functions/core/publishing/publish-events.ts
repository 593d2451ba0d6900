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
import type { DeliveryStateReader, EventTopic, IngestCommits } from '../events/ports';
import { mapWithConcurrency } from '../shared/concurrency';
import type { WebhookMessage, WebhookRecord } from '../webhooks/model';
import type { WebhookQueue } from '../webhooks/ports';
import { type PublishedCompletions, withCompletionsTaken } from './published-completions';

export interface PublishEventsDependencies {
  states: DeliveryStateReader;
  topic: EventTopic;
  /** The tenant's webhooks (the handler may cache them for a few seconds). */
  webhooks: (
    tenantId: string,
  ) => Promise<ReadonlyArray<Pick<WebhookRecord, 'id' | 'events' | 'enabled'>>>;
  webhookQueue: WebhookQueue;
  /** Inserts that are already final (`skipped`) wait for their notification's commit. */
  commits: IngestCommits;
  /** Completions this container already published: not published again (the contract allows it). */
  published?: PublishedCompletions;
}

/** Thrown to have the stream batch come again: an ingest is still writing its items. */
export class IngestNotCommittedError extends Error {
  override readonly name = 'IngestNotCommittedError';
  constructor(readonly notificationId: string) {
    super(`notification ${notificationId} is not committed yet; the batch comes again`);
  }
}

/**
 * The changes that are events now. A delivery inserted already final (a `skipped` delivery,
 * written at ingest before the notification item that commits it) is one only once its
 * notification is committed: before that the batch comes again; if the ingest failed and took
 * its items back, it never is.
 */
async function committedChanges(
  commits: IngestCommits,
  changes: readonly DeliveryChange[],
): Promise<DeliveryChange[]> {
  const inserted = new Map<string, string>();
  for (const change of changes)
    if (!change.before && change.after && becameFinal(change))
      inserted.set(change.after.notificationId, change.after.deliveryId);
  const discarded = new Set<string>();
  for (const [notificationId, deliveryId] of inserted) {
    const state = await commits.commitState(notificationId, deliveryId);
    if (state === 'pending') throw new IngestNotCommittedError(notificationId);
    if (state === 'discarded') discarded.add(notificationId);
  }
  return changes.filter((c) => !c.after || !discarded.has(c.after.notificationId));
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
  for (const change of await committedChanges(deps.commits, changes)) {
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
  return withCompletionsTaken(deps.published, events, async (kept) => {
    await deps.topic.publish(kept);
    await deps.webhookQueue.enqueue(await webhookMessages(deps, kept));
  });
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
