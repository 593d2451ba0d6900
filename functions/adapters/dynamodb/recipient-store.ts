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
import { deleteBatch, putBatch } from './batch-write';
import {
  ADDRESS_PREFIX,
  addressKey,
  addressPartition,
  ID_PREFIX,
  indexAttributes,
  legacyAddressKey,
  profileKey,
} from './recipient-keys';
import { searchProfiles } from './recipient-search';

const BATCH_GET = 100;
const UNPROCESSED_RETRIES = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Address = { kind: AddressKind; value: string };
const addressId = (a: Address) => `${a.kind}#${a.value}`;
/** Conditional profile puts in flight at once (putMany). */
const PUT_PARALLEL = 16;

/** The addresses a write adds and drops. */
function addressChanges(profile: RecipientProfile, previous?: RecipientProfile) {
  const before = new Map((previous ? addressesOf(previous) : []).map((a) => [addressId(a), a]));
  const after = new Map(addressesOf(profile).map((a) => [addressId(a), a]));
  return {
    added: [...after].filter(([key]) => !before.has(key)).map(([, a]) => a),
    removed: [...before].filter(([key]) => !after.has(key)).map(([, a]) => a),
  };
}

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
    return (await this.putMany([{ profile, previous }]))[0] ?? false;
  }

  /**
   * Puts as `put` does each, sharing requests: the address entries every write adds go out in
   * BatchWriteItems of 25 (whichever profile they belong to) before any profile is written, then
   * one conditional PutItem per profile, then the entries the written ones dropped are deleted.
   */
  async putMany(
    writes: readonly { profile: RecipientProfile; previous?: RecipientProfile | undefined }[],
  ): Promise<boolean[]> {
    const changes = writes.map((w) => addressChanges(w.profile, w.previous));
    // Entries first: a crash after it leaves an entry readers find stale, never a missing one.
    // Only when the address set changes: any other write is the profile item alone (1 WU).
    await this.writeEntries(
      'put',
      writes.flatMap((w, n) => this.entryKeys(w.profile, changes[n]?.added ?? [])),
    );
    const done = await mapWithConcurrency(writes, PUT_PARALLEL, (w) =>
      this.putProfile(w.profile, w.previous),
    );
    await this.writeEntries(
      'delete',
      writes.flatMap((w, n) =>
        done[n] ? this.entryKeys(w.profile, changes[n]?.removed ?? []) : [],
      ),
    );
    return done;
  }

  private entryKeys(profile: RecipientProfile, addresses: Address[]) {
    return addresses.flatMap(
      (a) => addressKey(profile.tenantId, a.kind, a.value, profile.id) ?? [],
    );
  }

  private async writeEntries(what: 'put' | 'delete', keys: Record<string, unknown>[]) {
    await mapWithConcurrency(chunk(keys, 25), 4, (batch) =>
      what === 'put'
        ? putBatch(this.db, this.tableName, batch)
        : deleteBatch(this.db, this.tableName, batch),
    );
  }

  private async putProfile(profile: RecipientProfile, previous?: RecipientProfile) {
    const { tenantId, id } = profile;
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
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
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
    await this.writeEntries('delete', this.entryKeys(previous, addressesOf(previous)));
    return true;
  }

  /**
   * Migration of a profile written before 2026-12-07 (one `RADDR#<tenant>#<kind>#<value>`
   * partition per address, emails and phones also in the index): writes its address entries in
   * today's shape, then deletes the old ones (their index entries go with them). Idempotent.
   */
  async migrateAddresses(profile: RecipientProfile): Promise<void> {
    const { tenantId, id } = profile;
    const addresses = addressesOf(profile);
    await this.writeEntries('put', this.entryKeys(profile, addresses));
    const legacy = addresses.map((a) => legacyAddressKey(tenantId, a.kind, a.value, id));
    for (const batch of chunk(legacy, 25)) await deleteBatch(this.db, this.tableName, batch);
  }

  async findByAddress(tenantId: string, kind: AddressKind, value: string): Promise<string[]> {
    const prefix = `${ADDRESS_PREFIX[kind] ?? ''}${value}#`;
    if (ADDRESS_PREFIX[kind] === undefined) return [];
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const answer = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': addressPartition(tenantId, value),
            ':prefix': prefix,
          },
          ProjectionExpression: 'sk',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of answer.Items ?? []) {
        const rest = String(item.sk).slice(prefix.length);
        // `t#abc#` also begins `t#abc#def#<id>` (another token): an id has no `#`.
        if (!rest.includes('#')) ids.push(rest);
      }
      start = answer.LastEvaluatedKey;
    } while (start);
    return ids;
  }

  list(
    tenantId: string,
    options: { q?: string; cursor?: string; limit: number },
  ): Promise<ProfilePage> {
    return searchProfiles(this.db, this.tableName, tenantId, options, (ids) =>
      this.batchGet(tenantId, ids),
    );
  }
}

export function toProfile(item: Record<string, unknown>): RecipientProfile {
  const { pk: _pk, sk: _sk, xpk: _xpk, xsk: _xsk, ...profile } = item;
  return profile as unknown as RecipientProfile;
}
