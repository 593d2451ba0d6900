import { eventId } from '../events/model';
import type { RecipientEvent } from '../events/recipient-event';
import { type PublishEventsDependencies, webhookMessages } from '../publishing/publish-events';
import { type AddressHealth, addressesOf, type RecipientProfile } from './model';

/*
 * Events from recorded profile writes (the table's stream, like delivery events): an address
 * whose health changed is `recipient.address_changed`; a one-click opt-out recorded on the
 * profile is `recipient.unsubscribed`. The same write always gives the same ids.
 */

function healthByAddress(profile: RecipientProfile | undefined): Map<string, AddressHealth> {
  const out = new Map<string, AddressHealth>();
  if (!profile) return out;
  const all: AddressHealth[] = [
    ...profile.emails,
    ...profile.phones,
    ...profile.pushTokens,
    ...(profile.slack ? [profile.slack] : []),
    ...(profile.mqtt ? [profile.mqtt] : []),
  ];
  addressesOf(profile).forEach((a, n) => {
    const health = all[n];
    if (health) out.set(`${a.kind}#${a.value}`, health);
  });
  return out;
}

/** The events one recorded write of a profile means (none for a create or an erase). */
export function recipientEventsOf(
  before: RecipientProfile | undefined,
  after: RecipientProfile | undefined,
): RecipientEvent[] {
  if (!before || !after) return [];
  const events: RecipientEvent[] = [];
  const old = healthByAddress(before);
  for (const [key, health] of healthByAddress(after)) {
    const previous = old.get(key);
    if (!previous || previous.status === health.status) continue;
    const hash = key.indexOf('#');
    events.push({
      id: eventId(after.tenantId, after.id, after.version, key),
      type: 'recipient.address_changed',
      occurredAt: after.updatedAt,
      tenantId: after.tenantId,
      recipientId: after.id,
      kind: key.slice(0, hash),
      address: key.slice(hash + 1),
      status: health.status,
      previousStatus: previous.status,
      source: health.source,
    });
  }
  const unsubscribe = after.lastUnsubscribe;
  if (unsubscribe && unsubscribe.at !== before.lastUnsubscribe?.at) {
    events.push({
      id: eventId(after.tenantId, after.id, after.version, 'unsubscribed'),
      type: 'recipient.unsubscribed',
      occurredAt: unsubscribe.at,
      tenantId: after.tenantId,
      recipientId: after.id,
      ...(unsubscribe.category && { category: unsubscribe.category }),
      ...(unsubscribe.channel && { channel: unsubscribe.channel }),
      ...(unsubscribe.address && { address: unsubscribe.address }),
      source: unsubscribe.source,
    });
  }
  return events;
}

/** Publishes the events of a batch of recorded profile writes, as delivery events are published. */
export async function publishRecipientChanges(
  deps: Pick<PublishEventsDependencies, 'topic' | 'webhooks' | 'webhookQueue'>,
  changes: ReadonlyArray<{ before?: RecipientProfile; after?: RecipientProfile }>,
): Promise<RecipientEvent[]> {
  const events = changes.flatMap((c) => recipientEventsOf(c.before, c.after));
  if (events.length === 0) return events;
  await deps.topic.publish(events);
  await deps.webhookQueue.enqueue(await webhookMessages(deps, events));
  return events;
}
