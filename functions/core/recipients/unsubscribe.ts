import type { Channel } from '../shared/vocabulary';
import type { Preferences, RecipientProfile } from './model';
import type { RecipientStore } from './ports';
import { type Category, reachableChannels } from './preferences';
import type { UnsubscribeClaims } from './unsubscribe-token';

/*
 * What a one-click POST and the preference page change: only the preferences of the recipient
 * the link names (never an address, never another recipient), recorded as `lastUnsubscribe` so
 * the write is a `recipient.unsubscribed` event. It applies to the next send (resolution reads the
 * profile at ingest); nothing already queued is recalled.
 */

const TRIES = 4;

type Change = (preferences: Preferences, profile: RecipientProfile) => Preferences;

/** Reads, changes, writes conditionally; false when the recipient no longer exists. */
async function changePreferences(
  store: RecipientStore,
  claims: UnsubscribeClaims,
  change: Change,
  unsubscribe: RecipientProfile['lastUnsubscribe'] | undefined,
  now: string,
): Promise<RecipientProfile | undefined> {
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const previous = await store.get(claims.tenantId, claims.recipientId);
    if (!previous) return undefined;
    const next: RecipientProfile = structuredClone(previous);
    next.preferences = change(structuredClone(previous.preferences), previous);
    next.version = previous.version + 1;
    next.updatedAt = now;
    if (unsubscribe) next.lastUnsubscribe = unsubscribe;
    if (await store.put(next, previous)) return next;
  }
  throw new Error(`recipient ${claims.recipientId} kept changing; the opt-out was not recorded`);
}

/** RFC 8058 one-click: this category off on this channel. */
export function oneClickUnsubscribe(store: RecipientStore, claims: UnsubscribeClaims, now: string) {
  return changePreferences(
    store,
    claims,
    (preferences) => {
      const categories = preferences.categories ?? {};
      categories[claims.category] = { ...categories[claims.category], [claims.channel]: false };
      return { ...preferences, categories };
    },
    {
      at: now,
      source: 'one-click',
      category: claims.category,
      channel: claims.channel,
      address: claims.maskedAddress,
    },
    now,
  );
}

/** What the preference page's form says: checked boxes, and whether it is "everything off". */
export interface PageChoice {
  allOff: boolean;
  /** `<channel>` checked in the channel list. */
  channels: ReadonlySet<Channel>;
  /** `<category>:<channel>` checked in the category list. */
  categories: ReadonlySet<string>;
}

/** The switches the page offers: every reachable channel, every non-critical category on each. */
export function pageOptions(profile: RecipientProfile, categories: readonly Category[]) {
  return {
    channels: reachableChannels(profile),
    categories: categories.filter((c) => !c.critical),
  };
}

/** The preference page's Save (or "everything off"): each switch it showed, as the form says. */
export function savePageChoice(
  store: RecipientStore,
  claims: UnsubscribeClaims,
  categories: readonly Category[],
  choice: PageChoice,
  now: string,
) {
  return changePreferences(
    store,
    claims,
    (preferences, profile) => {
      const options = pageOptions(profile, categories);
      const channels = { ...preferences.channels };
      const byCategory = { ...preferences.categories };
      for (const channel of options.channels) {
        if (choice.allOff || !choice.channels.has(channel)) channels[channel] = false;
        else delete channels[channel];
      }
      for (const category of options.categories) {
        const own = { ...byCategory[category.key] };
        for (const channel of options.channels) {
          const on = !choice.allOff && choice.categories.has(`${category.key}:${channel}`);
          if (!on) own[channel] = false;
          else if (category.defaults[channel] === false) own[channel] = true;
          else delete own[channel];
        }
        byCategory[category.key] = own;
      }
      return { channels, categories: byCategory };
    },
    choice.allOff
      ? { at: now, source: 'preference-page', address: claims.maskedAddress }
      : undefined,
    now,
  );
}
