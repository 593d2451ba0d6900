import type { Channel } from '../shared/vocabulary';
import type { AddressKind, RecipientProfile } from './model';

/** A page of profiles; `nextCursor` when there is more. */
export interface ProfilePage {
  items: RecipientProfile[];
  nextCursor?: string;
}

/**
 * Where recipient profiles live (adapters/dynamodb/recipient-store.ts). Every method is scoped to
 * one tenant: no call can read or write another tenant's profile. Built for batches: sending to
 * 1,000 ids, importing 100,000 rows and fanning a topic out (issue 21) all go through `batchGet`
 * and `put`, never a scan.
 */
export interface RecipientStore {
  /** One profile, strongly consistent (read before a write); undefined if there is none. */
  get(tenantId: string, id: string): Promise<RecipientProfile | undefined>;
  /**
   * Many profiles, eventually consistent: one BatchGetItem per 100 distinct ids (DynamoDB's limit
   * per request), unprocessed keys retried with backoff. A profile is at most 4 KB, so each costs
   * 0.5 read unit. Ids without a profile are absent from the map. Throws if DynamoDB keeps keys
   * unprocessed after its retries.
   */
  batchGet(tenantId: string, ids: readonly string[]): Promise<Map<string, RecipientProfile>>;
  /**
   * Writes `profile` if the stored one is still `previous` (same `version`; no profile at all when
   * `previous` is undefined); false when another write came first (read again and retry). Keeps
   * the address index in step: addresses added are indexed before the profile is written and
   * addresses dropped are unindexed after, so the index may hold stale entries (readers check
   * them against the profile) but never misses an address a profile holds.
   */
  put(profile: RecipientProfile, previous?: RecipientProfile): Promise<boolean>;
  /**
   * Many `put`s sharing requests (a batch upsert, an import): true for each profile written,
   * false for one that lost a race. Optional: without it a batch is written one `put` at a time.
   */
  putMany?(
    writes: readonly { profile: RecipientProfile; previous?: RecipientProfile | undefined }[],
  ): Promise<boolean[]>;
  /** Erases the profile (if still `previous`) and its address index entries; false on conflict. */
  delete(previous: RecipientProfile): Promise<boolean>;
  /**
   * Profiles in id order, `limit` a page. With `q`: those whose id, one of whose email addresses
   * (case-insensitive) or phone numbers starts with `q`, ids first, then emails, then phones.
   */
  list(
    tenantId: string,
    options: { q?: string; cursor?: string; limit: number },
  ): Promise<ProfilePage>;
  /**
   * The ids of the tenant's profiles that hold this address (normalized: emails lower-case), as
   * the address index says; may include stale entries: check each profile.
   */
  findByAddress(tenantId: string, kind: AddressKind, value: string): Promise<string[]>;
}

/**
 * The tenant's suppression list as profile writes see it (adapters/dynamodb/suppression-store.ts):
 * which of these `(channel, recipient)` are on it, as `suppressionKey`s. A new address already
 * suppressed starts with that health, so sends skip it as `suppressed` without a read per send.
 */
export interface SuppressionLookup {
  findSuppressed(
    tenantId: string,
    recipients: readonly { channel: Channel; recipient: string }[],
  ): Promise<Set<string>>;
}
