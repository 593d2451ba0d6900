import type { Channel } from '../shared/vocabulary';
import { normalizeRecipient, type SuppressionEntry } from '../suppressions/model';
import type { AddressHealth, AddressKind, AddressStatus, RecipientProfile } from './model';
import type { RecipientStore } from './ports';

/*
 * What providers say about an address (SES bounce/complaint, Twilio STOP or an
 * unknown number, FCM UNREGISTERED)
 * reaches the suppression list and the health of that address on every profile of the tenant
 * that holds it; lifting a suppression sets it back to ok. Only that address changes, never the
 * whole recipient. The profile write is a stream record: `recipient.address_changed`.
 */

const STATUS_OF: Record<SuppressionEntry['reason'], AddressStatus> = {
  bounce: 'bounced',
  complaint: 'complained',
  unsubscribed: 'unsubscribed',
  'invalid-token': 'unregistered',
  undeliverable: 'undeliverable',
  manual: 'undeliverable',
};

/** Writes that lost a race are read again and retried this often. */
const TRIES = 4;

/** Which profile address kind a channel's recipient is (MQTT topics are namespaced: none). */
function kindOf(channel: Channel): AddressKind | undefined {
  if (channel === 'email') return 'email';
  if (channel === 'sms' || channel === 'whatsapp') return 'phone';
  if (channel === 'push') return 'push';
  if (channel === 'slack') return 'slack';
  return undefined;
}

/** The health a suppression entry implies; an entry added by hand reads as `suppressed`. */
export function healthOf(entry: SuppressionEntry, now: string): AddressHealth {
  return {
    status: STATUS_OF[entry.reason],
    since: now,
    source: entry.source === 'api' ? 'suppression:manual' : entry.source,
  };
}

type Change =
  | { health: AddressHealth; channel: Channel }
  | { lifted: true; channel: Channel; now: string };

/** Sets the health of this address on every profile of the tenant holding it; the ids changed. */
export async function applyAddressHealth(
  store: RecipientStore,
  tenantId: string,
  channel: Channel,
  recipient: string,
  change: Change,
): Promise<string[]> {
  const kind = kindOf(channel);
  if (!kind) return [];
  const value = normalizeRecipient(channel, recipient);
  const ids = await store.findByAddress(tenantId, kind, value);
  const changed: string[] = [];
  for (const id of ids) {
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const previous = await store.get(tenantId, id);
      // A stale index entry: the profile no longer holds the address.
      const next = previous && withHealth(previous, kind, value, change);
      if (!previous || !next) break;
      if (await store.put(next, previous)) {
        changed.push(id);
        break;
      }
    }
  }
  return changed;
}

/** The profile with the address's new health; undefined when it lacks it or nothing changes. */
function withHealth(
  profile: RecipientProfile,
  kind: AddressKind,
  value: string,
  change: Change,
): RecipientProfile | undefined {
  const next: RecipientProfile = structuredClone(profile);
  const address = find(next, kind, value);
  if (!address) return undefined;
  const before = JSON.stringify(address);
  if ('lifted' in change) {
    if (address.status === 'ok') return undefined;
    Object.assign(address, { status: 'ok', since: change.now, source: 'suppression-lifted' });
    delete (address as { channels?: unknown }).channels;
  } else if (kind === 'phone' && change.health.status === 'unsubscribed') {
    // STOP on SMS opts the number out of SMS only (WhatsApp has its own opt-out).
    const phone = address as { channels?: Channel[] } & AddressHealth;
    const channels = new Set(phone.status === 'unsubscribed' ? (phone.channels ?? []) : []);
    channels.add(change.channel);
    Object.assign(phone, change.health, { channels: [...channels].sort() });
  } else if (address.status === 'ok' || address.status !== change.health.status) {
    Object.assign(address, change.health);
  }
  if (JSON.stringify(address) === before) return undefined;
  next.version = profile.version + 1;
  next.updatedAt = 'lifted' in change ? change.now : change.health.since;
  return next;
}

function find(profile: RecipientProfile, kind: AddressKind, value: string) {
  switch (kind) {
    case 'email':
      return profile.emails.find((e) => e.address.toLowerCase() === value);
    case 'phone':
      return profile.phones.find((p) => p.number === value);
    case 'push':
      return profile.pushTokens.find((t) => t.token === value);
    case 'slack':
      return profile.slack &&
        ('userId' in profile.slack ? profile.slack.userId : profile.slack.channel) === value
        ? profile.slack
        : undefined;
    default:
      return undefined;
  }
}
