import type { AddressKind } from '../../core/recipients/model';

/*
 * Key design of recipients (docs/architecture.md, "Recipients"). No key is shared by a tenant's
 * writes as a whole, so no partition receives more than its share however big the tenant is:
 * - profile  pk `RCP#<tenant>#<id>`, sk `PROFILE`: one partition per recipient;
 * - address  pk `RADDR#<tenant>#<kind>#<value>`, sk `<id>`: one partition per address (the
 *   address -> recipient lookup for provider feedback);
 * - the `recipients` index (keys only) for listing and prefix search, spread over
 * RECIPIENT_INDEX_SHARDS partitions per tenant by a hash of the indexed value: xpk
 *   `RIDX#<tenant>#<shard>`, xsk `i#<id>` (profiles), `e#<email>#<id>`, `p#<phone>#<id>`.
 *   A tenant writing N index entries a second puts N/16 on each partition: 16,000 entries/s
 *   (about 5,000 profiles/s with an email and a phone) before any reaches DynamoDB's 1,000.
 */

export const RECIPIENT_INDEX = 'recipients';
export const RECIPIENT_INDEX_PK = 'xpk';
export const RECIPIENT_INDEX_SK = 'xsk';
export const RECIPIENT_INDEX_SHARDS = 16;
export const PROFILE_SK = 'PROFILE';

export const profileKey = (tenantId: string, id: string) => ({
  pk: `RCP#${tenantId}#${id}`,
  sk: PROFILE_SK,
});

export const addressKey = (tenantId: string, kind: AddressKind, value: string, id: string) => ({
  pk: addressPartition(tenantId, kind, value),
  sk: id,
});

export const addressPartition = (tenantId: string, kind: AddressKind, value: string) =>
  `RADDR#${tenantId}#${kind}#${value}`;

/** FNV-1a: a cheap, stable spread of values over the shards. */
export function shardOf(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % RECIPIENT_INDEX_SHARDS;
}

export const indexPartition = (tenantId: string, shard: number) => `RIDX#${tenantId}#${shard}`;

/** The searchable kinds and their index prefix; other addresses are only looked up by value. */
export const SEARCH_PREFIX: Partial<Record<AddressKind, string>> = { email: 'e#', phone: 'p#' };
export const ID_PREFIX = 'i#';

/** Index attributes of an entry: `indexed` the value it is searched by. */
export function indexAttributes(tenantId: string, sortKey: string, indexed: string) {
  return {
    [RECIPIENT_INDEX_PK]: indexPartition(tenantId, shardOf(indexed)),
    [RECIPIENT_INDEX_SK]: sortKey,
  };
}
