import type { Channel } from '../shared/vocabulary';
import type { Preferences, RecipientProfile } from './model';

/**
 * A tenant's category: what a message is about. `defaults` say which channels it uses when the
 * recipient has said nothing (absent: every channel); `critical` ones (security codes, password
 * resets) reach the recipient despite opt-outs, never at a dead address.
 */
export interface Category {
  key: string;
  name: string;
  description?: string;
  critical: boolean;
  defaults: Partial<Record<Channel, boolean>>;
  updatedAt: string;
}

/** Why a recipient does not get this category on this channel, or undefined when they do. */
export function optOutOf(
  preferences: Preferences,
  channel: Channel,
  category: Category | undefined,
): string | undefined {
  if (category?.critical) return undefined;
  const own = category ? preferences.categories?.[category.key] : undefined;
  if (category && own?.all === false) return `opted out of ${category.key}`;
  if (category && own?.[channel] === false) return `opted out of ${category.key} on ${channel}`;
  // An explicit opt-in to the category on this channel wins over the channel-wide switch.
  if (category && own?.[channel] === true) return undefined;
  if (preferences.channels?.[channel] === false) return `opted out of ${channel}`;
  if (category && category.defaults[channel] === false) {
    return `${category.key} does not use ${channel} unless the recipient opts in`;
  }
  return undefined;
}

/** Channels a profile has an address for. */
export function reachableChannels(profile: RecipientProfile): Channel[] {
  const out: Channel[] = [];
  if (profile.emails.length > 0) out.push('email');
  if (profile.phones.length > 0) out.push('sms', 'whatsapp');
  if (profile.pushTokens.length > 0) out.push('push');
  if (profile.slack) out.push('slack');
  if (profile.mqtt) out.push('mqtt');
  return out;
}

/** Per category, per channel the profile can be reached on: whether a send there gets through. */
export function effectivePreferences(
  profile: RecipientProfile,
  categories: readonly Category[],
): Record<string, Partial<Record<Channel, boolean>>> {
  const channels = reachableChannels(profile);
  const out: Record<string, Partial<Record<Channel, boolean>>> = {};
  for (const category of categories) {
    const row: Partial<Record<Channel, boolean>> = {};
    for (const channel of channels) {
      row[channel] = optOutOf(profile.preferences, channel, category) === undefined;
    }
    out[category.key] = row;
  }
  return out;
}
