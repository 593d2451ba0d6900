import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  RECIPIENT_INDEX_PK,
  RECIPIENT_INDEX_SK,
} from '../functions/adapters/dynamodb/recipient-keys';
import { DynamoRecipientStore } from '../functions/adapters/dynamodb/recipient-store';
import { writeProfile } from '../functions/core/recipients/manage';
import type { ProfileInput } from '../functions/core/recipients/model';
import { line } from './support';

/*
 * What each profile write costs in DynamoDB write units, as DynamoDB bills them: per item put or
 * deleted, 1 unit per started KB of its size (attribute names + values, DynamoDB's rules), and
 * per entry the `recipients` index (keys only) gains, loses or moves, 1 unit (a moved key: 2).
 * An item rewritten with the same index key writes nothing to a keys-only index. Measured on
 * the local emulator through the store itself: every write is seen, with the item it replaced.
 */

type Item = Record<string, unknown>;

/** DynamoDB's item size: names + values (strings UTF-8, numbers ~ digits/2 + 1, maps/lists +3, +1 each). */
export function dynamoBytes(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    bytes += Buffer.byteLength(name, 'utf8') + valueBytes(value);
  }
  return bytes;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number')
    return Math.ceil(String(Math.abs(value)).replace('.', '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((s: number, v) => s + 1 + valueBytes(v), 0);
  if (typeof value === 'object') return 3 + dynamoBytes(value as Item) + Object.keys(value).length;
  return 0;
}

const tableUnits = (item: Item | undefined) =>
  item ? Math.max(1, Math.ceil(dynamoBytes(item) / 1024)) : 0;
const indexKey = (item: Item | undefined) =>
  item && RECIPIENT_INDEX_PK in item
    ? `${item[RECIPIENT_INDEX_PK]}|${item[RECIPIENT_INDEX_SK]}`
    : undefined;
function indexUnits(before: Item | undefined, after: Item | undefined): number {
  const [a, b] = [indexKey(before), indexKey(after)];
  if (a === b) return 0; // absent both times, or the same key (keys only: nothing projected)
  return (a ? 1 : 0) + (b ? 1 : 0);
}

export interface WriteTally {
  table: number;
  index: number;
  items: number;
  largest: number;
}

/** A document client that forwards every call and tallies the writes among them. */
export function tallyingClient(db: DynamoDBDocumentClient, tableName: string) {
  const tally: WriteTally = { table: 0, index: 0, items: 0, largest: 0 };
  const old = async (key: Item) =>
    (await db.send(new GetCommand({ TableName: tableName, Key: { pk: key.pk, sk: key.sk } }))).Item;
  const put = async (item: Item) => {
    const before = await old(item);
    tally.table += tableUnits(item);
    tally.index += indexUnits(before, item);
    tally.items += 1;
    tally.largest = Math.max(tally.largest, dynamoBytes(item));
  };
  const remove = async (key: Item) => {
    const before = await old(key);
    tally.table += Math.max(1, tableUnits(before));
    tally.index += indexUnits(before, undefined);
    tally.items += 1;
  };
  const client = {
    async send(command: { input: unknown }) {
      if (command instanceof PutCommand) await put(command.input.Item as Item);
      if (command instanceof DeleteCommand) await remove(command.input.Key as Item);
      if (command instanceof BatchWriteCommand) {
        for (const r of Object.values(command.input.RequestItems ?? {}).flat()) {
          if (r.PutRequest) await put(r.PutRequest.Item as Item);
          if (r.DeleteRequest) await remove(r.DeleteRequest.Key as Item);
        }
      }
      // biome-ignore lint/suspicious/noExplicitAny: forwarding any command unchanged
      return db.send(command as any);
    },
  } as unknown as DynamoDBDocumentClient;
  const reset = () => Object.assign(tally, { table: 0, index: 0, items: 0, largest: 0 });
  return { client, tally, reset };
}

/** A typical profile: a name, two emails, a phone, a push token, locale, timezone, preferences. */
export const TYPICAL_PROFILE: ProfileInput = {
  name: 'Ada Lovelace',
  emails: ['ada.lovelace@example.com', 'ada@work.example.org'],
  phones: ['+14155550123'],
  pushTokens: [
    {
      token:
        'fcm-dGhpcy1pcy1hLXR5cGljYWwtZmNtLXJlZ2lzdHJhdGlvbi10b2tlbi1vZi0xNjMtY2hhcmFjdGVycy1sb25nLWxpa2UtdGhlLXJlYWwtb25lcy1hcmU',
      platform: 'android',
    },
  ],
  locale: 'en-GB',
  timezone: 'Europe/London',
  preferences: { channels: { sms: false }, categories: { marketing: { email: false } } },
};

/** `npm run bench -- recipients`: write units per profile create, update, preference change. */
export async function benchProfileWrites(endpoint: string, tableName: string) {
  const raw = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { client, tally, reset } = tallyingClient(DynamoDBDocumentClient.from(raw), tableName);
  const store = new DynamoRecipientStore(client, tableName);
  const show = (what: string) =>
    line(
      what,
      `${tally.table + tally.index} WU (table ${tally.table} in ${tally.items} items, index ${tally.index}; largest ${tally.largest} B)`,
    );
  const write = async (id: string, mode: Parameters<typeof writeProfile>[3], what: string) => {
    reset();
    await writeProfile(store, 'bench-writes', id, mode);
    show(what);
  };
  try {
    const one = { ...TYPICAL_PROFILE, emails: TYPICAL_PROFILE.emails?.slice(0, 1) };
    await write('w1', { replace: one }, 'create: name, 1 email, phone, token, locale, tz, prefs');
    await write('w2', { replace: TYPICAL_PROFILE }, 'create: the same with 2 emails');
    await write('w2', { merge: { name: 'Ada King' } }, 'update (PATCH name)');
    await write(
      'w2',
      { replace: { ...TYPICAL_PROFILE, locale: 'en-US' } },
      'replace (PUT, same addresses)',
    );
    await write(
      'w2',
      {
        merge: {
          preferences: { categories: { marketing: { email: true }, news: { all: false } } },
        },
      },
      'preference change',
    );
    await write(
      'w2',
      { merge: { emails: [...(TYPICAL_PROFILE.emails ?? []), 'ada@third.example'] } },
      'update adding an email',
    );
  } finally {
    raw.destroy();
  }
}
