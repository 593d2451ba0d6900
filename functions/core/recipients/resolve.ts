import type { Channel, NotificationRequest } from '../notifications/model';
import type { SkipReason } from '../notifications/recipient-fields';
import { InvalidRequestError } from '../shared/errors';
import type { FieldError } from '../shared/field-errors';
import { upsertMany } from './manage';
import { type AddressHealth, type RecipientProfile, slackTarget } from './model';
import type { RecipientStore, SuppressionLookup } from './ports';
import { type Category, optOutOf } from './preferences';
import type { RecipientSendRequest } from './send-request';

/*
 * Turns `to: [recipient ids]` into deliveries: for each channel asked for, every healthy address
 * of each recipient; whoever cannot be reached gets a `skipped` delivery with the reason. Reads
 * are batched: one BatchGetItem per 100 recipients (0.5 read unit each, eventually consistent),
 * nothing per address (the profile's address health mirrors the suppression list).
 */

export interface ResolveDependencies {
  store: RecipientStore;
  /** Inline profiles' new addresses are checked against it (suppressed-addresses.ts). */
  suppressions?: SuppressionLookup;
}

export interface ResolveContext {
  tenantId: string;
  /** The tenant's MQTT namespace (`<prefix><tenant>/`), or why it has none. */
  mqtt: { namespace: string } | { problem: string };
  category?: Category;
}

type Skip = NonNullable<NotificationRequest['skipped']>[number];

/** Inline profiles are upserted first (as an identify call would), then every id is read once. */
export async function resolveRecipients(
  deps: ResolveDependencies,
  send: RecipientSendRequest,
  context: ResolveContext,
): Promise<NotificationRequest> {
  const { tenantId } = context;
  const inline = send.targets.flatMap((t) =>
    t.inline ? [{ id: t.id, input: t.inline, at: `to[${t.at}]` }] : [],
  );
  if (inline.length > 0) {
    const results = await upsertMany(
      deps.store,
      tenantId,
      inline,
      deps.suppressions ? { suppressions: deps.suppressions } : {},
    );
    const errors: FieldError[] = results.flatMap((r) => (r.status === 'error' ? r.errors : []));
    if (errors.length > 0) throw new InvalidRequestError(errors);
  }
  const profiles = await deps.store.batchGet(
    tenantId,
    send.targets.map((t) => t.id),
  );
  const request: NotificationRequest = { ...send.request, skipped: [] };
  const email = request.channels.email;
  if (email && context.category && !context.category.critical) {
    // Every email in a non-critical category gets a one-click unsubscribe link (RFC 8058).
    email.content = { ...email.content, listUnsubscribe: { category: context.category.key } };
  }
  const skipped = request.skipped as Skip[];
  for (const channel of send.channels) {
    const channelRequest = request.channels[channel];
    if (!channelRequest) continue;
    const recipients: string[] = [];
    const ids: string[] = [];
    const seen = new Set<string>();
    for (const target of send.targets) {
      const profile = profiles.get(target.id);
      const skip = (recipient: string, reason: SkipReason, detail: string) =>
        skipped.push({ channel, recipientId: target.id, recipient, reason, detail });
      if (!profile) {
        skip('', 'no_address', 'no profile with this id');
        continue;
      }
      const addresses = addressesFor(profile, channel, context);
      if (addresses.length === 0) {
        skip('', 'no_address', `no ${channel} address on the profile`);
        continue;
      }
      const optedOut = optOutOf(profile.preferences, channel, context.category);
      if (optedOut) {
        skip(addresses[0]?.value ?? '', 'opted_out', optedOut);
        continue;
      }
      for (const address of addresses) {
        const reason = unreachable(address.health, channel, address.appliesTo);
        if (reason) {
          skip(address.value, reason, `${address.health.status} since ${address.health.since}`);
          continue;
        }
        if (address.problem) {
          skip(address.value, 'address_invalid', address.problem);
          continue;
        }
        const key = channel === 'email' ? address.value.toLowerCase() : address.value;
        if (seen.has(key)) continue; // one person, one message: a shared address gets it once
        seen.add(key);
        recipients.push(address.value);
        ids.push(target.id);
      }
    }
    channelRequest.recipients = recipients;
    channelRequest.recipientIds = ids;
  }
  return request;
}

interface ResolvedAddress {
  value: string;
  health: AddressHealth;
  /** For a phone: the channels its non-ok status applies to (absent: all). */
  appliesTo?: readonly Channel[];
  problem?: string;
}

function addressesFor(
  profile: RecipientProfile,
  channel: Channel,
  context: ResolveContext,
): ResolvedAddress[] {
  switch (channel) {
    case 'email':
      return profile.emails.map((e) => ({ value: e.address, health: e }));
    case 'sms':
    case 'whatsapp':
      return profile.phones.map((p) => ({
        value: p.number,
        health: p,
        ...(p.channels && { appliesTo: p.channels }),
      }));
    case 'push':
      return profile.pushTokens.map((t) => ({ value: t.token, health: t }));
    case 'slack':
      return profile.slack ? [{ value: slackTarget(profile.slack), health: profile.slack }] : [];
    case 'mqtt': {
      if (!profile.mqtt) return [];
      const { mqtt } = profile;
      return 'namespace' in context.mqtt
        ? [{ value: `${context.mqtt.namespace}${mqtt.topic}`, health: mqtt }]
        : [{ value: mqtt.topic, health: mqtt, problem: context.mqtt.problem }];
    }
  }
}

/** Why an address cannot be sent to on `channel`, from its health; undefined when it can. */
export function unreachable(
  health: AddressHealth,
  channel: Channel,
  appliesTo?: readonly Channel[],
): SkipReason | undefined {
  if (health.status === 'ok') return undefined;
  if (appliesTo && !appliesTo.includes(channel)) return undefined;
  if (health.source.startsWith('suppression:')) return 'suppressed';
  if (health.status === 'unsubscribed') return 'opted_out';
  return 'address_invalid';
}
