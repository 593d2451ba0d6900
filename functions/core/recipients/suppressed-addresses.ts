import { chunk, mapWithConcurrency } from '../shared/concurrency';
import type { Channel } from '../shared/vocabulary';
import { suppressionKey } from '../suppressions/model';
import type { AddressHealth, ProfileInput, RecipientProfile } from './model';
import type { SuppressionLookup } from './ports';

/*
 * A profile address and a suppression entry for the same address agree: an address a profile
 * gains while it is on the tenant's suppression list starts with the health the list implies
 * (`undeliverable`, source `suppression:<channel>`), so a send skips it as `suppressed`.
 */

type Target = { health: AddressHealth; channels: Channel[]; recipient: string; phone?: boolean };

/** Addresses of `profile` that `previous` did not have, with the channels they are used on. */
function newAddresses(profile: RecipientProfile, previous?: RecipientProfile): Target[] {
  const had = new Set<string>();
  if (previous) {
    for (const e of previous.emails) had.add(`email#${e.address.toLowerCase()}`);
    for (const p of previous.phones) had.add(`phone#${p.number}`);
    for (const t of previous.pushTokens) had.add(`push#${t.token}`);
  }
  const out: Target[] = [];
  for (const e of profile.emails) {
    if (!had.has(`email#${e.address.toLowerCase()}`))
      out.push({ health: e, channels: ['email'], recipient: e.address });
  }
  for (const p of profile.phones) {
    if (!had.has(`phone#${p.number}`))
      out.push({ health: p, channels: ['sms', 'whatsapp'], recipient: p.number, phone: true });
  }
  for (const t of profile.pushTokens) {
    if (!had.has(`push#${t.token}`))
      out.push({ health: t, channels: ['push'], recipient: t.token });
  }
  return out;
}

/** One BatchGetItem (per 100 keys) for the addresses the write adds; none when it adds none. */
export async function markSuppressed(
  suppressions: SuppressionLookup,
  profile: RecipientProfile,
  previous?: RecipientProfile,
): Promise<void> {
  const targets = newAddresses(profile, previous);
  if (targets.length === 0) return;
  const lookups = targets.flatMap((t) =>
    t.channels.map((channel) => ({ channel, recipient: t.recipient })),
  );
  const found = await suppressions.findSuppressed(profile.tenantId, lookups);
  for (const target of targets) {
    const on = target.channels.filter((c) => found.has(suppressionKey(c, target.recipient)));
    if (on.length === 0) continue;
    target.health.status = 'undeliverable';
    target.health.source = `suppression:${on.join('+')}`;
    if (target.phone && on.length < target.channels.length) {
      (target.health as { channels?: Channel[] }).channels = on as ('sms' | 'whatsapp')[];
    }
  }
}

/**
 * For a batch of writes: one lookup (BatchGetItems of 100 keys, 4 at once) of every address the inputs
 * name, answered from memory afterwards, so each write's `markSuppressed` reads nothing. An
 * address a write adds is always one its input names (a merge keeps only addresses it had).
 */
export async function prefetchSuppressions(
  lookup: SuppressionLookup,
  tenantId: string,
  inputs: readonly ProfileInput[],
): Promise<SuppressionLookup> {
  const wanted = inputs.flatMap((input) => [
    ...(input.emails ?? []).map((recipient) => ({ channel: 'email' as Channel, recipient })),
    ...(input.phones ?? []).flatMap((recipient) =>
      (['sms', 'whatsapp'] as const).map((channel) => ({ channel, recipient })),
    ),
    ...(input.pushTokens ?? []).map((t) => ({ channel: 'push' as Channel, recipient: t.token })),
  ]);
  const key = (r: { channel: Channel; recipient: string }) =>
    suppressionKey(r.channel, r.recipient);
  const unique = [...new Map(wanted.map((w) => [key(w), w])).values()];
  const asked = new Set(unique.map(key));
  // A batch of 500 names ~1,500 addresses: 15 BatchGetItems, 4 in flight rather than in turn.
  const found = new Set<string>();
  await mapWithConcurrency(chunk(unique, 100), 4, async (part) => {
    for (const k of await lookup.findSuppressed(tenantId, part)) found.add(k);
  });
  return {
    async findSuppressed(tenant, recipients) {
      const missing = recipients.filter((r) => tenant !== tenantId || !asked.has(key(r)));
      const more = missing.length > 0 ? await lookup.findSuppressed(tenant, missing) : new Set();
      return new Set(
        recipients.map(key).filter((k) => (tenant === tenantId && found.has(k)) || more.has(k)),
      );
    },
  };
}
