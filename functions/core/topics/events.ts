import {
  completionEventOf,
  type DeliverySnapshot,
  eventId,
  type HeraldEvent,
} from '../events/model';
import type { FanoutCompletedEvent } from '../events/notification-events';
import type { DeliveryStateReader } from '../events/ports';
import { FINAL } from '../notifications/status';
import { type PublishEventsDependencies, webhookMessages } from '../publishing/publish-events';
import { withCompletionsTaken } from '../publishing/published-completions';
import type { FanoutState } from './model';
import type { FanoutStore } from './ports';

/*
 * Events of a topic send's fan-out, from the recorded writes of its state item (the table's
 * stream, like delivery events): `notification.fanout_completed` when the fan-out leaves
 * `running` (every page done, or cancelled), and `notification.completed` then if every delivery
 * it created is already final. While it runs, no delivery finishing can complete the notification.
 */

export const FANOUT_COMPLETED = 'notification.fanout_completed';
export type { FanoutCompletedEvent };

/** The event one recorded write of a fan-out state means, if any. */
export function fanoutEventOf(
  before: FanoutState | undefined,
  after: FanoutState | undefined,
): FanoutCompletedEvent | undefined {
  if (!after || before?.status !== 'running' || after.status === 'running') return undefined;
  return {
    id: eventId(after.notificationId, FANOUT_COMPLETED),
    type: FANOUT_COMPLETED,
    occurredAt: after.updatedAt,
    tenantId: after.tenantId,
    notificationId: after.notificationId,
    topic: after.topic,
    status: after.status,
    total: after.total,
    enqueued: after.enqueued,
    skipped: after.skipped,
    metadata: after.metadata ?? {},
  };
}

/**
 * The completion check's reader, aware of fan-outs: a notification whose deliveries are all
 * final is not complete while its fan-out still runs. Costs one GetItem, only when the
 * deliveries read say "complete".
 */
export function fanoutAwareStates(
  inner: DeliveryStateReader,
  fanouts: Pick<FanoutStore, 'get'>,
): DeliveryStateReader {
  return {
    async deliveryStates(notificationId) {
      const states = await inner.deliveryStates(notificationId);
      if (states.length === 0 || states.some((s) => !FINAL.includes(s.status))) return states;
      const fanout = await fanouts.get(notificationId);
      if (fanout?.status !== 'running') return states;
      return [...states, { deliveryId: 'fanout', status: 'queued', version: 0 }];
    },
  };
}

/** Publishes the events of a batch of recorded fan-out state writes. */
export async function publishFanoutChanges(
  deps: Pick<
    PublishEventsDependencies,
    'topic' | 'webhooks' | 'webhookQueue' | 'states' | 'published'
  >,
  changes: ReadonlyArray<{ before?: FanoutState; after?: FanoutState }>,
): Promise<HeraldEvent[]> {
  const events: HeraldEvent[] = [];
  for (const { before, after } of changes) {
    const ended = fanoutEventOf(before, after);
    if (!ended || !after) continue;
    events.push(ended);
    if (after.status !== 'done') continue;
    const states = await deps.states.deliveryStates(after.notificationId);
    const trigger = {
      notificationId: after.notificationId,
      deliveryId: 'fanout',
      tenantId: after.tenantId,
      updatedAt: after.updatedAt,
      metadata: after.metadata ?? {},
    } as DeliverySnapshot;
    const completed = completionEventOf(trigger, states);
    if (completed) events.push(completed);
  }
  if (events.length === 0) return events;
  return withCompletionsTaken(deps.published, events, async (kept) => {
    await deps.topic.publish(kept);
    await deps.webhookQueue.enqueue(await webhookMessages(deps, kept));
  });
}
