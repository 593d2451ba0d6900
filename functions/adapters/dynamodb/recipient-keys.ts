import type { AddressKind } from '../../core/recipients/model';

/*
 * Key design of recipients (docs/architecture.md, "Recipients"). No key is shared by a tenant's
 * writes as a whole, so no partition receives more than its share however big the tenant is:
 * - profile  pk `RCP#<tenant>#<id>`, sk `PROFILE`: one partition per recipient; its index
 *   attributes put it in the `recipients` index (keys only) for listing and id prefix search;
 * - address entries pk `RADDR#<tenant>#<shard>`, sk `<kind prefix><value>#<id>` (`e#` email,
 *   `p#` phone, `t#` push token, `s#` Slack target): one item per address a profile holds, in the
 *   table itself, that is both the address -> recipient lookup for provider feedback (a Query on
 *   `<prefix><value>#` in the value's shard) and the email/phone prefix search (a Query per
 *   shard). One write per address instead of an item plus an index entry. MQTT topics are never
 *   marked by feedback: no entry.
 * - the index's xpk `RIDX#<tenant>#<shard>`, xsk `i#<id>` (profiles only).
 * Shards are RECIPIENT_INDEX_SHARDS per tenant, by a hash of the id or address: a tenant writing
 * N entries a second puts N/16 on each partition: 16,000 address entries/s (about 4,000 new
 * profiles/s with 4 addresses) before any reaches DynamoDB's 1,000 writes/s per partition.
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

/** Each looked-up address kind's sort key prefix (MQTT topics have none: never marked). */
export const ADDRESS_PREFIX: Partial<Record<AddressKind, string>> = {
  email: 'e#',
  phone: 'p#',
  push: 't#',
  slack: 's#',
};

export const addressPartition = (tenantId: string, value: string) =>
  `RADDR#${tenantId}#${shardOf(value)}`;
export const addressShardPartition = (tenantId: string, shard: number) =>
  `RADDR#${tenantId}#${shard}`;

/** An address entry's key; undefined for a kind never looked up. */
export function addressKey(tenantId: string, kind: AddressKind, value: string, id: string) {
  const prefix = ADDRESS_PREFIX[kind];
  if (prefix === undefined) return undefined;
  return { pk: addressPartition(tenantId, value), sk: `${prefix}${value}#${id}` };
}

/** Before 2026-12-07: one partition per address, `RADDR#<tenant>#<kind>#<value>` / `<id>`. */
export const legacyAddressKey = (
  tenantId: string,
  kind: AddressKind,
  value: string,
  id: string,
) => ({
  pk: `RADDR#${tenantId}#${kind}#${value}`,
  sk: id,
});

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

/** The searchable kinds: their address entries' prefix. */
export const SEARCH_PREFIX = { email: 'e#', phone: 'p#' } as const;
export const ID_PREFIX = 'i#';

/** Index attributes of an entry: `indexed` the value it is searched by. */
export function indexAttributes(tenantId: string, sortKey: string, indexed: string) {
  return {
    [RECIPIENT_INDEX_PK]: indexPartition(tenantId, shardOf(indexed)),
    [RECIPIENT_INDEX_SK]: sortKey,
  };
}
