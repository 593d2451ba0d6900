import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { type AddressKind, addressesOf, type RecipientProfile } from '../../core/recipients/model';
import type { ProfilePage, RecipientStore } from '../../core/recipients/ports';
import { chunk, mapWithConcurrency } from '../../core/shared/concurrency';
import { InvalidRequestError } from '../../core/shared/errors';
import { deleteBatch, putBatch } from './batch-write';
import {
  addressKey,
  addressPartition,
  ID_PREFIX,
  indexAttributes,
  indexPartition,
  profileKey,
  RECIPIENT_INDEX,
  RECIPIENT_INDEX_SHARDS,
  RECIPIENT_INDEX_SK,
  SEARCH_PREFIX,
} from './recipient-keys';

const BATCH_GET = 100;
const UNPROCESSED_RETRIES = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Above every character ids, addresses and numbers are made of (all ASCII): a prefix's end. */
const PREFIX_END = '\u007f';

type Address = { kind: AddressKind; value: string };
const addressId = (a: Address) => `${a.kind}#${a.value}`;

/** Profiles in Herald's table (key design: recipient-keys.ts). */
export class DynamoRecipientStore implements RecipientStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string, id: string): Promise<RecipientProfile | undefined> {
    const answer = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: profileKey(tenantId, id),
        ConsistentRead: true,
      }),
    );
    return answer.Item ? toProfile(answer.Item) : undefined;
  }

  async batchGet(tenantId: string, ids: readonly string[]) {
    const found = new Map<string, RecipientProfile>();
    const keys = [...new Set(ids)].map((id) => profileKey(tenantId, id));
    await mapWithConcurrency(chunk(keys, BATCH_GET), 4, async (batch) => {
      let pending: Record<string, unknown>[] = batch;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > UNPROCESSED_RETRIES) {
          throw new Error(`DynamoDB left ${pending.length} recipient keys unprocessed`);
        }
        if (attempt > 0) await sleep(25 * 2 ** attempt);
        const answer = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
        );
        for (const item of answer.Responses?.[this.tableName] ?? []) {
          const profile = toProfile(item);
          found.set(profile.id, profile);
        }
        pending = (answer.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof pending;
      }
    });
    return found;
  }

  async put(profile: RecipientProfile, previous?: RecipientProfile): Promise<boolean> {
    const { tenantId, id } = profile;
    const before = new Map((previous ? addressesOf(previous) : []).map((a) => [addressId(a), a]));
    const after = new Map(addressesOf(profile).map((a) => [addressId(a), a]));
    const added = [...after].filter(([key]) => !before.has(key)).map(([, a]) => a);
    const removed = [...before].filter(([key]) => !after.has(key)).map(([, a]) => a);
    // Index first: a crash after it leaves an entry readers find stale, never a missing one.
    for (const batch of chunk(added, 25)) {
      await putBatch(
        this.db,
        this.tableName,
        batch.map((a) => addressItem(tenantId, a, id)),
      );
    }
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...profileKey(tenantId, id),
            ...indexAttributes(tenantId, `${ID_PREFIX}${id}`, id),
            ...profile,
          },
          ...(previous
            ? {
                ConditionExpression: 'version = :version',
                ExpressionAttributeValues: { ':version': previous.version },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    await this.unindex(tenantId, id, removed);
    return true;
  }

  async delete(previous: RecipientProfile): Promise<boolean> {
    const { tenantId, id } = previous;
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: profileKey(tenantId, id),
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': previous.version },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    await this.unindex(tenantId, id, addressesOf(previous));
    return true;
  }

  private async unindex(tenantId: string, id: string, addresses: Address[]) {
    for (const batch of chunk(addresses, 25)) {
      await deleteBatch(
        this.db,
        this.tableName,
        batch.map((a) => addressKey(tenantId, a.kind, a.value, id)),
      );
    }
  }

  async findByAddress(tenantId: string, kind: AddressKind, value: string): Promise<string[]> {
    const answer = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': addressPartition(tenantId, kind, value) },
        ProjectionExpression: 'sk',
      }),
    );
    return (answer.Items ?? []).map((item) => String(item.sk));
  }

  async list(
    tenantId: string,
    options: { q?: string; cursor?: string; limit: number },
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
      const { keys, more } = await this.mergedShards(tenantId, prefix, after, want);
      for (const key of keys.slice(0, want)) {
        const entry = parseIndexKey(key);
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
    const profiles = await this.batchGet(tenantId, ids);
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

  /** Index sort keys with `prefix` after `after`, merged over the shards in key order. */
  private async mergedShards(tenantId: string, prefix: string, after: string, want: number) {
    let more = false;
    const pages = await mapWithConcurrency(
      Array.from({ length: RECIPIENT_INDEX_SHARDS }, (_, shard) => shard),
      RECIPIENT_INDEX_SHARDS,
      async (shard) => {
        const answer = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: RECIPIENT_INDEX,
            KeyConditionExpression: 'xpk = :pk AND xsk BETWEEN :from AND :to',
            ExpressionAttributeValues: {
              ':pk': indexPartition(tenantId, shard),
              ':from': after === '' ? prefix : after,
              ':to': `${prefix}${PREFIX_END}`,
            },
            Limit: want + 1,
          }),
        );
        if (answer.LastEvaluatedKey) more = true;
        return (answer.Items ?? []).map((item) => String(item[RECIPIENT_INDEX_SK]));
      },
    );
    const keys = pages
      .flat()
      .filter((key) => key !== after)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { keys, more };
  }
}

/** Address index entry; emails and phones also carry the search index attributes. */
function addressItem(tenantId: string, address: Address, id: string): Record<string, unknown> {
  const prefix = SEARCH_PREFIX[address.kind];
  return {
    ...addressKey(tenantId, address.kind, address.value, id),
    ...(prefix && indexAttributes(tenantId, `${prefix}${address.value}#${id}`, address.value)),
  };
}

/** Which index ranges a search reads, in order: ids, then emails, then phones. */
function searchRuns(q: string | undefined): string[] {
  if (q === undefined) return [ID_PREFIX];
  const runs = [`${ID_PREFIX}${q}`, `${SEARCH_PREFIX.email}${q.toLowerCase()}`];
  if (/^\+\d*$/.test(q)) runs.push(`${SEARCH_PREFIX.phone}${q}`);
  return runs;
}

function parseIndexKey(key: string): { id: string; address?: Address } {
  if (key.startsWith(ID_PREFIX)) return { id: key.slice(ID_PREFIX.length) };
  const kind: AddressKind = key.startsWith(SEARCH_PREFIX.email ?? '') ? 'email' : 'phone';
  const rest = key.slice(2);
  const hash = rest.lastIndexOf('#');
  return { id: rest.slice(hash + 1), address: { kind, value: rest.slice(0, hash) } };
}

function toProfile(item: Record<string, unknown>): RecipientProfile {
  const { pk: _pk, sk: _sk, xpk: _xpk, xsk: _xsk, ...profile } = item;
  return profile as unknown as RecipientProfile;
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
