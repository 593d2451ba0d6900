import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressKey,
  indexAttributes,
  legacyAddressKey,
} from '../../functions/adapters/dynamodb/recipient-keys';
import { DynamoRecipientStore } from '../../functions/adapters/dynamodb/recipient-store';
import type { RecipientProfile } from '../../functions/core/recipients/model';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient } from '../support/client';

// The address entries' key shape (2026-12-07): one table item per address serves both feedback's
// address -> profile lookup and the email/phone search; profiles written before it are migrated.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let raw: DynamoDBClient;
let db: DynamoDBDocumentClient;
let table: string;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
  raw = new DynamoDBClient({
    endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  db = DynamoDBDocumentClient.from(raw);
  table = stack.env.TABLE_NAME ?? '';
});
afterAll(async () => {
  raw?.destroy();
  await stack?.stop();
});

const profile = async (id: string) =>
  (await api.get(`/v1/recipients/${id}`)).body as unknown as RecipientProfile;
const search = async (q: string) =>
  (
    (await api.get(`/v1/recipients?q=${encodeURIComponent(q)}`)).body as { items: { id: string }[] }
  ).items.map((p) => p.id);

describe('recipient address entries', () => {
  it('a token that extends another token is not mistaken for it', async () => {
    await api.request('PUT', '/v1/recipients/k-short', { pushTokens: [{ token: 'tok' }] });
    await api.request('PUT', '/v1/recipients/k-long', { pushTokens: [{ token: 'tok#x' }] });
    const store = new DynamoRecipientStore(db, table);
    expect(await store.findByAddress('local', 'push', 'tok')).toEqual(['k-short']);
    expect(await store.findByAddress('local', 'push', 'tok#x')).toEqual(['k-long']);
  });

  it('a profile with old-shape entries is found by feedback and search once migrated', async () => {
    await api.request('PUT', '/v1/recipients/k-old', {
      emails: ['Old.Shape@Keys.example'],
      phones: ['+14155550777'],
    });
    // Put it back in the shape before 2026-12-07: one partition per address, indexed.
    for (const [kind, value, prefix] of [
      ['email', 'old.shape@keys.example', 'e#'],
      ['phone', '+14155550777', 'p#'],
    ] as const) {
      const key = addressKey('local', kind, value, 'k-old') ?? { pk: '', sk: '' };
      await db.send(
        new PutCommand({
          TableName: table,
          Item: {
            ...legacyAddressKey('local', kind, value, 'k-old'),
            ...indexAttributes('local', `${prefix}${value}#k-old`, value),
          },
        }),
      );
      await db.send(new DeleteCommand({ TableName: table, Key: key }));
    }
    expect(await search('old.shape')).toEqual([]);

    const store = new DynamoRecipientStore(db, table);
    const stored = await store.get('local', 'k-old');
    if (!stored) throw new Error('k-old is gone');
    await store.migrateAddresses(stored);
    expect(await search('old.shape')).toEqual(['k-old']);
    expect(await search('+1415555077')).toEqual(['k-old']);
    const legacy = legacyAddressKey('local', 'email', 'old.shape@keys.example', 'k-old');
    expect((await db.send(new GetCommand({ TableName: table, Key: legacy }))).Item).toBeUndefined();

    // Feedback (here an admin suppression) finds and marks it.
    const suppressed = await api.post('/v1/suppressions', {
      channel: 'email',
      recipient: 'old.shape@keys.example',
    });
    expect(suppressed.status).toBe(201);
    expect((await profile('k-old')).emails[0]?.status).toBe('undeliverable');
  });
});
