import { mapWithConcurrency } from '../shared/concurrency';
import { ConflictError, InvalidRequestError, NotFoundError } from '../shared/errors';
import {
  type AddressHealth,
  MAX_PROFILE_BYTES,
  type ProfileInput,
  type ProfilePatch,
  type RecipientProfile,
  storedBytes,
} from './model';
import type { RecipientStore, SuppressionLookup } from './ports';
import { markSuppressed, prefetchSuppressions } from './suppressed-addresses';

/** Writes that lost a race are read and tried again this often before a 409. */
const WRITE_TRIES = 4;
/** Conditional puts in flight at once for a batch. */
export const BATCH_WRITE_PARALLEL = 16;

const fresh = (now: string, source: string): AddressHealth => ({
  status: 'ok',
  since: now,
  source,
});

/**
 * The profile `input` describes, keeping what Herald knows about every address it already had
 * (a caller re-sending its list must not revive a bounced address); new addresses start `ok`.
 */
export function buildProfile(
  tenantId: string,
  id: string,
  input: ProfileInput,
  previous: RecipientProfile | undefined,
  now: string,
  source = 'api',
): RecipientProfile {
  const emailHealth = new Map(previous?.emails.map((e) => [e.address.toLowerCase(), e]) ?? []);
  const phoneHealth = new Map(previous?.phones.map((p) => [p.number, p]) ?? []);
  const tokenHealth = new Map(previous?.pushTokens.map((t) => [t.token, t]) ?? []);
  const keep = <T extends AddressHealth>(old: T | undefined): AddressHealth =>
    old ? { status: old.status, since: old.since, source: old.source } : fresh(now, source);
  const seenEmails = new Set<string>();
  const profile: RecipientProfile = {
    id,
    tenantId,
    emails: (input.emails ?? [])
      .filter((address) => {
        const key = address.toLowerCase();
        if (seenEmails.has(key)) return false;
        seenEmails.add(key);
        return true;
      })
      .map((address) => ({ address, ...keep(emailHealth.get(address.toLowerCase())) })),
    phones: [...new Set(input.phones ?? [])].map((number) => {
      const old = phoneHealth.get(number);
      return { number, ...keep(old), ...(old?.channels && { channels: old.channels }) };
    }),
    pushTokens: dedupeTokens(input.pushTokens ?? []).map((t) => ({
      token: t.token,
      ...(t.platform && { platform: t.platform }),
      ...keep(tokenHealth.get(t.token)),
    })),
    preferences: input.preferences ?? {},
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    ...(previous?.lastUnsubscribe && { lastUnsubscribe: previous.lastUnsubscribe }),
    version: (previous?.version ?? 0) + 1,
  };
  if (input.name !== undefined) profile.name = input.name;
  if (input.slack) {
    const same =
      previous?.slack && JSON.stringify(target(previous.slack)) === JSON.stringify(input.slack);
    profile.slack = { ...input.slack, ...keep(same ? previous?.slack : undefined) };
  }
  if (input.mqtt) {
    const same = previous?.mqtt?.topic === input.mqtt.topic;
    profile.mqtt = { topic: input.mqtt.topic, ...keep(same ? previous?.mqtt : undefined) };
  }
  if (input.timezone !== undefined) profile.timezone = input.timezone;
  if (input.quietHours !== undefined) profile.quietHours = input.quietHours;
  if (input.locale !== undefined) profile.locale = input.locale;
  if (input.attributes !== undefined) profile.attributes = input.attributes;
  return profile;
}

function target(slack: NonNullable<RecipientProfile['slack']>) {
  return 'userId' in slack ? { userId: slack.userId } : { channel: slack.channel };
}

function dedupeTokens(tokens: NonNullable<ProfileInput['pushTokens']>) {
  const seen = new Set<string>();
  return tokens.filter((t) => {
    if (seen.has(t.token)) return false;
    seen.add(t.token);
    return true;
  });
}

/** The caller-settable fields of a stored profile (its addresses without health). */
export function inputOf(profile: RecipientProfile): ProfileInput {
  const input: ProfileInput = {
    emails: profile.emails.map((e) => e.address),
    phones: profile.phones.map((p) => p.number),
    pushTokens: profile.pushTokens.map((t) => ({
      token: t.token,
      ...(t.platform && { platform: t.platform }),
    })),
    preferences: profile.preferences,
  };
  if (profile.name !== undefined) input.name = profile.name;
  if (profile.slack) input.slack = target(profile.slack);
  if (profile.mqtt) input.mqtt = { topic: profile.mqtt.topic };
  if (profile.timezone !== undefined) input.timezone = profile.timezone;
  if (profile.quietHours !== undefined) input.quietHours = profile.quietHours;
  if (profile.locale !== undefined) input.locale = profile.locale;
  if (profile.attributes !== undefined) input.attributes = profile.attributes;
  return input;
}

/** Merge: each field the patch names replaces the profile's; `null` removes it. */
export function mergePatch(base: ProfileInput, patch: ProfilePatch): ProfileInput {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return merged as ProfileInput;
}

/** A profile over the size bound is refused before any write (field path: the whole body). */
export function checkSize(profile: RecipientProfile, at = ''): void {
  const bytes = storedBytes(profile);
  if (bytes > MAX_PROFILE_BYTES) {
    throw new InvalidRequestError([
      {
        path: at,
        message: `the profile would be ${bytes} bytes stored; at most ${MAX_PROFILE_BYTES} (one read unit per recipient at send time)`,
      },
    ]);
  }
}

export type WriteMode = { replace: ProfileInput } | { merge: ProfilePatch };

/** PUT (replace) or PATCH (merge) or an upsert (merge without nulls): read, build, conditional put. */
export async function writeProfile(
  store: RecipientStore,
  tenantId: string,
  id: string,
  mode: WriteMode,
  options: {
    now?: () => string;
    mustExist?: boolean;
    known?: RecipientProfile | null;
    suppressions?: SuppressionLookup;
  } = {},
): Promise<{ profile: RecipientProfile; created: boolean }> {
  const now = options.now ?? (() => new Date().toISOString());
  // `known`: a profile the caller read in a batch (null: read, none there), saving a read.
  let previous =
    options.known === undefined ? await store.get(tenantId, id) : (options.known ?? undefined);
  for (let attempt = 1; ; attempt++) {
    if (options.mustExist && !previous) throw new NotFoundError(`Recipient ${id} not found`);
    const input =
      'replace' in mode ? mode.replace : mergePatch(previous ? inputOf(previous) : {}, mode.merge);
    const profile = buildProfile(tenantId, id, input, previous, now());
    if (options.suppressions) await markSuppressed(options.suppressions, profile, previous);
    checkSize(profile);
    if (await store.put(profile, previous)) return { profile, created: !previous };
    if (attempt >= WRITE_TRIES) {
      throw new ConflictError(`Recipient ${id} is being changed by another request; try again`);
    }
    previous = await store.get(tenantId, id);
  }
}

/** DELETE: the profile, its addresses and preferences. Deliveries keep their masked recipient. */
export async function eraseProfile(store: RecipientStore, tenantId: string, id: string) {
  for (let attempt = 1; attempt <= WRITE_TRIES; attempt++) {
    const previous = await store.get(tenantId, id);
    if (!previous) throw new NotFoundError(`Recipient ${id} not found`);
    if (await store.delete(previous)) return;
  }
  throw new ConflictError(`Recipient ${id} is being changed by another request; try again`);
}

export type BatchResult =
  | { id: string; status: 'created' | 'updated' }
  | { id: string; status: 'error'; errors: { path: string; message: string }[] };

/**
 * Upserts many profiles (merge: fields given replace, others stay): one batch read for all and one
 * suppression lookup for all their addresses; then, if the store can, every profile at once
 * (address entries in shared batch writes, a conditional put each); what that could not write
 * (a lost race, an id twice in the batch, an error) goes one by one, BATCH_WRITE_PARALLEL at once,
 * reading again. Each item succeeds or fails alone.
 */
export async function upsertMany(
  store: RecipientStore,
  tenantId: string,
  items: readonly { id: string; input: ProfileInput; at: string }[],
  options: { now?: () => string; suppressions?: SuppressionLookup } = {},
): Promise<BatchResult[]> {
  const existing = await store.batchGet(
    tenantId,
    items.map((i) => i.id),
  );
  const suppressions =
    options.suppressions &&
    (await prefetchSuppressions(
      options.suppressions,
      tenantId,
      items.map((i) => i.input),
    ));
  const opts = { ...options, ...(suppressions && { suppressions }) };
  const first = await writeAtOnce(store, tenantId, items, existing, opts);
  return mapWithConcurrency(items, BATCH_WRITE_PARALLEL, async (item, n): Promise<BatchResult> => {
    const done = first.get(n);
    if (done) return done;
    try {
      const { created } = await writeProfile(
        store,
        tenantId,
        item.id,
        { merge: item.input },
        { ...opts, ...(!store.putMany && { known: existing.get(item.id) ?? null }) },
      );
      return { id: item.id, status: created ? 'created' : 'updated' };
    } catch (error) {
      if (error instanceof InvalidRequestError) {
        return {
          id: item.id,
          status: 'error',
          errors: error.errors.map((e) => ({ path: e.path || item.at, message: e.message })),
        };
      }
      if (error instanceof ConflictError) {
        return {
          id: item.id,
          status: 'error',
          errors: [{ path: item.at, message: error.message }],
        };
      }
      throw error;
    }
  });
}

/** The first try of a batch with the store's putMany: results by item index, for those written. */
async function writeAtOnce(
  store: RecipientStore,
  tenantId: string,
  items: readonly { id: string; input: ProfileInput }[],
  existing: Map<string, RecipientProfile>,
  options: { now?: () => string; suppressions?: SuppressionLookup | undefined },
): Promise<Map<number, BatchResult>> {
  const results = new Map<number, BatchResult>();
  if (!store.putMany) return results;
  const now = options.now ?? (() => new Date().toISOString());
  const writes: { n: number; profile: RecipientProfile; previous?: RecipientProfile }[] = [];
  const seen = new Set<string>();
  for (const [n, item] of items.entries()) {
    if (seen.has(item.id)) continue; // a second write of the id must read the first
    seen.add(item.id);
    const previous = existing.get(item.id);
    const input = mergePatch(previous ? inputOf(previous) : {}, item.input);
    const profile = buildProfile(tenantId, item.id, input, previous, now());
    if (options.suppressions) await markSuppressed(options.suppressions, profile, previous);
    if (storedBytes(profile) > MAX_PROFILE_BYTES) continue; // refused one by one, with its path
    writes.push({ n, profile, ...(previous && { previous }) });
  }
  const done = await store.putMany(writes);
  writes.forEach((w, k) => {
    if (done[k]) results.set(w.n, { id: w.profile.id, status: w.previous ? 'updated' : 'created' });
  });
  return results;
}
