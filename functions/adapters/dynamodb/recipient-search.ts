import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type AddressKind, addressesOf, type RecipientProfile } from '../../core/recipients/model';
import type { ProfilePage } from '../../core/recipients/ports';
import { mapWithConcurrency } from '../../core/shared/concurrency';
import { InvalidRequestError } from '../../core/shared/errors';
import {
  addressShardPartition,
  ID_PREFIX,
  indexPartition,
  RECIPIENT_INDEX,
  RECIPIENT_INDEX_SHARDS,
  RECIPIENT_INDEX_SK,
  SEARCH_PREFIX,
} from './recipient-keys';

/*
 * Listing and prefix search (key design: recipient-keys.ts). Ids are read from the `recipients`
 * index (`i#<id>`), emails and phones from the address entries in the table (`e#<email>#<id>`,
 * `p#<phone>#<id>`); either way one Query per shard, merged in key order, then one BatchGetItem of
 * the page's profiles.
 */

/** Above every character ids, addresses and numbers are made of (all ASCII): a prefix's end. */
const PREFIX_END = '\u007f';

type Address = { kind: AddressKind; value: string };
const addressId = (a: Address) => `${a.kind}#${a.value}`;

export async function searchProfiles(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenantId: string,
  options: { q?: string; cursor?: string; limit: number },
  batchGet: (ids: string[]) => Promise<Map<string, RecipientProfile>>,
): Promise<ProfilePage> {
  const runs = searchRuns(options.q);
  const start = options.cursor === undefined ? { r: 0, k: '' } : decodeCursor(options.cursor);
  if (start.r >= runs.length || (start.k !== '' && !start.k.startsWith(runs[start.r] ?? ''))) {
    throw invalidCursor();
  }
  const ids: string[] = [];
  const matched = new Map<string, Address | undefined>();
  let nextCursor: string | undefined;
  for (let r = start.r; r < runs.length && ids.length < options.limit; r++) {
    const prefix = runs[r] as string;
    const after = r === start.r ? start.k : '';
    const want = options.limit - ids.length;
    const { keys, more } = await mergedShards(db, tableName, tenantId, prefix, after, want);
    for (const key of keys.slice(0, want)) {
      const entry = parseKey(key);
      if (!matched.has(entry.id)) ids.push(entry.id);
      matched.set(entry.id, entry.address ?? matched.get(entry.id));
    }
    const last = keys[Math.min(keys.length, want) - 1];
    if ((keys.length > want || more) && last !== undefined) {
      nextCursor = encodeCursor({ r, k: last });
      break;
    }
    if (r + 1 < runs.length && ids.length >= options.limit) {
      nextCursor = encodeCursor({ r: r + 1, k: '' });
    }
  }
  const profiles = await batchGet(ids);
  const items = ids
    .map((id) => profiles.get(id))
    .filter((p): p is RecipientProfile => {
      if (!p) return false;
      const address = matched.get(p.id);
      // A stale address entry (the profile dropped the address): not a match.
      return !address || addressesOf(p).some((a) => addressId(a) === addressId(address));
    });
  return nextCursor ? { items, nextCursor } : { items };
}

/** Sort keys with `prefix` after `after`, merged over the shards in key order. */
async function mergedShards(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenantId: string,
  prefix: string,
  after: string,
  want: number,
) {
  const byId = prefix.startsWith(ID_PREFIX);
  let more = false;
  const pages = await mapWithConcurrency(
    Array.from({ length: RECIPIENT_INDEX_SHARDS }, (_, shard) => shard),
    RECIPIENT_INDEX_SHARDS,
    async (shard) => {
      const answer = await db.send(
        new QueryCommand({
          TableName: tableName,
          ...(byId
            ? {
                IndexName: RECIPIENT_INDEX,
                KeyConditionExpression: `xpk = :pk AND ${RECIPIENT_INDEX_SK} BETWEEN :from AND :to`,
              }
            : { KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to' }),
          ExpressionAttributeValues: {
            ':pk': byId ? indexPartition(tenantId, shard) : addressShardPartition(tenantId, shard),
            ':from': after === '' ? prefix : after,
            ':to': `${prefix}${PREFIX_END}`,
          },
          Limit: want + 1,
        }),
      );
      if (answer.LastEvaluatedKey) more = true;
      return (answer.Items ?? []).map((item) => String(byId ? item[RECIPIENT_INDEX_SK] : item.sk));
    },
  );
  const keys = pages
    .flat()
    .filter((key) => key !== after)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { keys, more };
}

/** Which ranges a search reads, in order: ids, then emails, then phones. */
function searchRuns(q: string | undefined): string[] {
  if (q === undefined) return [ID_PREFIX];
  const runs = [`${ID_PREFIX}${q}`, `${SEARCH_PREFIX.email}${q.toLowerCase()}`];
  if (/^\+\d*$/.test(q)) runs.push(`${SEARCH_PREFIX.phone}${q}`);
  return runs;
}

function parseKey(key: string): { id: string; address?: Address } {
  if (key.startsWith(ID_PREFIX)) return { id: key.slice(ID_PREFIX.length) };
  const kind: AddressKind = key.startsWith(SEARCH_PREFIX.email) ? 'email' : 'phone';
  const rest = key.slice(2);
  const hash = rest.lastIndexOf('#');
  return { id: rest.slice(hash + 1), address: { kind, value: rest.slice(0, hash) } };
}

function encodeCursor(position: { r: number; k: string }): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { r: number; k: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      typeof value === 'object' &&
      value !== null &&
      Number.isInteger((value as { r: unknown }).r) &&
      (value as { r: number }).r >= 0 &&
      typeof (value as { k: unknown }).k === 'string'
    ) {
      return value as { r: number; k: string };
    }
  } catch {
    // fall through
  }
  throw invalidCursor();
}

function invalidCursor(): InvalidRequestError {
  return new InvalidRequestError([
    { path: 'cursor', message: 'is not a cursor this list gave out' },
  ]);
}
