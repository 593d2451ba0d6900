import type { Channel } from '../shared/vocabulary';

/*
 * A recipient profile: a person (or device owner) a tenant sends to by its own id, with the
 * addresses Herald reaches them at, what Herald has learnt about each address, and what they
 * want to receive. One profile is one DynamoDB item (adapters/dynamodb/recipient-store.ts).
 */

/** What Herald knows about one address. Only `ok` is sent to. */
export const ADDRESS_STATUSES = [
  'ok',
  'bounced',
  'complained',
  'unsubscribed',
  'unregistered',
  'undeliverable',
] as const;
export type AddressStatus = (typeof ADDRESS_STATUSES)[number];

/** Health of an address: its status, since when, and what said so (`api`, `ses:Bounce`, ...). */
export interface AddressHealth {
  status: AddressStatus;
  since: string;
  source: string;
}

export interface EmailAddress extends AddressHealth {
  address: string;
}
/** E.164; used for SMS and WhatsApp. `unsubscribed` may name the channel it applies to. */
export interface PhoneNumber extends AddressHealth {
  number: string;
  /** STOP on SMS opts the number out of SMS only; absent: every channel of the number. */
  channels?: ('sms' | 'whatsapp')[];
}
export interface PushToken extends AddressHealth {
  token: string;
  platform?: 'ios' | 'android' | 'web';
}
export type SlackAddress = AddressHealth & ({ channel: string } | { userId: string });
/** A topic relative to the tenant's MQTT namespace, as in a send request. */
export interface MqttAddress extends AddressHealth {
  topic: string;
}

/**
 * Opt-outs and opt-ins. `channels[c] === false`: nothing on channel c (but critical categories);
 * `categories[k][c]` overrides the category's default for channel c; `categories[k].all === false`
 * turns the whole category off.
 */
export interface Preferences {
  channels?: Partial<Record<Channel, boolean>>;
  categories?: Record<string, Partial<Record<Channel | 'all', boolean>>>;
}

export interface RecipientProfile {
  id: string;
  tenantId: string;
  name?: string;
  emails: EmailAddress[];
  phones: PhoneNumber[];
  pushTokens: PushToken[];
  slack?: SlackAddress;
  mqtt?: MqttAddress;
  /** IANA time zone. */
  timezone?: string;
  /** Local times (HH:MM, in `timezone`) a workflow defers its sends out of; wins over the workflow's. */
  quietHours?: QuietHours;
  /** BCP 47 tag. */
  locale?: string;
  attributes?: Record<string, unknown>;
  preferences: Preferences;
  createdAt: string;
  updatedAt: string;
  /** +1 on every write; writes are conditional on the version read (optimistic locking). */
  version: number;
  /** The last opt-out made with a one-click link or the preference page (an event each). */
  lastUnsubscribe?: {
    at: string;
    source: 'one-click' | 'preference-page';
    category?: string;
    channel?: Channel;
    address?: string;
  };
}

/** The fields a caller sets (PUT, PATCH, batch, inline `to`): addresses without health. */
export interface ProfileInput {
  name?: string;
  emails?: string[];
  phones?: string[];
  pushTokens?: { token: string; platform?: PushToken['platform'] }[];
  slack?: { channel: string } | { userId: string };
  mqtt?: { topic: string };
  timezone?: string;
  quietHours?: QuietHours;
  locale?: string;
  attributes?: Record<string, unknown>;
  preferences?: Preferences;
}

/** A daily window of local times (`22:00`-`07:00` wraps past midnight). */
export interface QuietHours {
  start: string;
  end: string;
}

/** A PATCH: each field given replaces that field; `null` removes it. */
export type ProfilePatch = { [K in keyof ProfileInput]?: ProfileInput[K] | null };

/*
 * Size bounds. A profile is read on every send to its recipient (BatchGetItem, eventually
 * consistent): an item up to 4 KB costs 0.5 read unit, each further 4 KB another 0.5. Bounding the
 * stored item to 4 KB keeps resolution at <= 0.5 read unit per recipient whatever the caller
 * stores; a typical profile (a name, an email, a phone, a token) is ~0.5-1 KB: one write unit.
 */
export const MAX_PROFILE_BYTES = 4_096;
export const MAX_RECIPIENT_ID_CHARS = 128;
export const MAX_NAME_CHARS = 256;
export const MAX_EMAILS = 5;
export const MAX_PHONES = 5;
export const MAX_PUSH_TOKENS = 5;
/** Attributes as JSON text (templates read them; they are not a document store). */
export const MAX_ATTRIBUTES_BYTES = 1_024;
export const MAX_PREFERENCE_CATEGORIES = 50;
/** Ids the caller chooses: printable, no `/` (a path segment) and no `#` (Herald's key separator). */
export const RECIPIENT_ID_PATTERN = /^[A-Za-z0-9_.:@+=|~-]{1,128}$/;

/** Which address kinds reach a channel: phones reach SMS and WhatsApp. */
export const CHANNEL_ADDRESS_KIND: Record<Channel, 'email' | 'phone' | 'push' | 'slack' | 'mqtt'> =
  {
    email: 'email',
    sms: 'phone',
    whatsapp: 'phone',
    push: 'push',
    slack: 'slack',
    mqtt: 'mqtt',
  };

/** Every address of a profile as `(kind, value)`, the form the address index keys them by. */
export function addressesOf(
  profile: Pick<RecipientProfile, 'emails' | 'phones' | 'pushTokens' | 'slack' | 'mqtt'>,
): { kind: AddressKind; value: string }[] {
  const out: { kind: AddressKind; value: string }[] = [];
  for (const e of profile.emails) out.push({ kind: 'email', value: e.address.toLowerCase() });
  for (const p of profile.phones) out.push({ kind: 'phone', value: p.number });
  for (const t of profile.pushTokens) out.push({ kind: 'push', value: t.token });
  if (profile.slack) out.push({ kind: 'slack', value: slackTarget(profile.slack) });
  if (profile.mqtt) out.push({ kind: 'mqtt', value: profile.mqtt.topic });
  return out;
}
export type AddressKind = 'email' | 'phone' | 'push' | 'slack' | 'mqtt';

/** The Slack target a send posts to: the user id (a DM) or the channel. */
export function slackTarget(slack: { channel: string } | { userId: string }): string {
  return 'userId' in slack ? slack.userId : slack.channel;
}

/** The stored size DynamoDB counts (attribute names + values), close enough to bound it. */
export function storedBytes(item: unknown): number {
  return Buffer.byteLength(JSON.stringify(item), 'utf8');
}
