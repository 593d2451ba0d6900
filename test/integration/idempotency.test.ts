import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdempotency, type KeptAnswer } from '../../functions/runtime/idempotency';
import { type DynamoEmulator, startDynamoEmulator } from '../../local/emulators/dynamodb';
import { createIdempotencyTable } from '../../local/emulators/idempotency-table';
import { createLambdaContext } from '../../local/emulators/lambda';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { waitFor } from '../support/client';

// Idempotency-Key on the create routes: through the real API on the local stack, and the
// in-progress rule against the idempotency table directly (a first request held open).

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
});
afterAll(() => stack?.stop());

const body = (to = '+14155550123') => ({ channels: { sms: { to: [to], text: 'once' } } });
let sequence = 0;
const freshKey = () => `order-${Date.now()}-${++sequence}`;

async function post(path: string, payload: unknown, key: string, bearer?: string) {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${bearer ?? stack.devApiKey}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify(payload),
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotency-replayed'),
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('Idempotency-Key through the API', () => {
  it('the same key and body answer the first answer again, and send once', async () => {
    const key = freshKey();
    const first = await post('/v1/notifications', body('+14155550201'), key);
    expect(first).toMatchObject({ status: 202, replayed: null });
    const again = await post('/v1/notifications', body('+14155550201'), key);
    expect(again).toMatchObject({ status: 202, replayed: 'true', body: first.body });
    await waitFor(() =>
      stack.outbox.list({ recipient: '+14155550201' }).length > 0 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stack.outbox.list({ recipient: '+14155550201' })).toHaveLength(1);
  });

  it('the same key with another body is a 422', async () => {
    const key = freshKey();
    expect((await post('/v1/notifications', body('+14155550202'), key)).status).toBe(202);
    const other = await post('/v1/notifications', body('+14155550203'), key);
    expect(other.status).toBe(422);
    expect(other.body.message).toMatch(/Idempotency-Key/);
  });

  it('keys are per tenant and per route', async () => {
    const { ApiKeyStore } = await import('../../functions/adapters/dynamodb/api-key-store');
    const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const keys = new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    );
    const otherKey = (await keys.create('another-tenant')).key;
    const key = freshKey();
    const mine = await post('/v1/notifications', body('+14155550204'), key);
    const theirs = await post('/v1/notifications', body('+14155550204'), key, otherKey);
    expect(theirs).toMatchObject({ status: 202, replayed: null });
    expect(theirs.body.id).not.toBe(mine.body.id);
    const dispatch = await post(
      '/notification/dispatch',
      { type: 'SMS', message: 'x', smsChannel: { recipients: ['+14155550205'], text: 'once' } },
      key,
    );
    expect(dispatch).toMatchObject({ status: 202, replayed: null });
    const dispatchAgain = await post(
      '/notification/dispatch',
      { type: 'SMS', message: 'x', smsChannel: { recipients: ['+14155550205'], text: 'once' } },
      key,
    );
    expect(dispatchAgain).toMatchObject({ status: 202, replayed: 'true', body: dispatch.body });
  });

  it('a request refused as invalid keeps nothing: corrected, the same key is accepted', async () => {
    const key = freshKey();
    const bad = await post('/v1/notifications', body('not-a-number'), key);
    expect(bad.status).toBe(400);
    const good = await post('/v1/notifications', body('+14155550206'), key);
    expect(good).toMatchObject({ status: 202, replayed: null });
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['a tab inside', 'a\tb'],
    ['a non-ASCII character', 'caf\u00e9'],
  ])('a key that is %s is a 400 at Idempotency-Key', async (_label, key) => {
    const answer = await post('/v1/notifications', body(), key);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'Idempotency-Key', message: expect.any(String) }]);
  });

  it('concurrent requests with one key create one notification', async () => {
    const key = freshKey();
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => post('/v1/notifications', body('+14155550207'), key)),
    );
    for (const a of answers) {
      if (a.status === 409) expect(Number(a.retryAfter)).toBeGreaterThan(0);
      else expect(a.status).toBe(202);
    }
    const ids = new Set(answers.filter((a) => a.status === 202).map((a) => a.body.id));
    expect(ids.size).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(stack.outbox.list({ recipient: '+14155550207' })).toHaveLength(1);
  });
});

describe('the in-progress rule (idempotency table on its own)', () => {
  let emulator: DynamoEmulator;
  beforeAll(async () => {
    emulator = await startDynamoEmulator({
      host: '127.0.0.1',
      port: 0,
      region: 'us-east-1',
      tableName: 'herald-test',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await createIdempotencyTable(emulator.client, 'idempotency-test');
  });
  afterAll(() => emulator?.stop());

  it('a second request while the first runs is a 409 with Retry-After; afterwards the first answer', async () => {
    const idempotency = createIdempotency('idempotency-test', emulator.client);
    const request = { tenantId: 't1', route: '/v1/notifications', key: 'k1', body: { a: 1 } };
    let finish: (answer: KeptAnswer) => void = () => undefined;
    const first = idempotency.run(
      request,
      createLambdaContext('herald-api', 'us-east-1', 10_000),
      () =>
        new Promise<KeptAnswer>((resolve) => {
          finish = resolve;
        }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const during = await idempotency.run(
      request,
      createLambdaContext('herald-api', 'us-east-1', 10_000),
      async () => ({ statusCode: 202, body: { id: 'second' } }),
    );
    expect(during.statusCode).toBe(409);
    expect(Number(during.headers?.['retry-after'])).toBeGreaterThan(0);
    finish({ statusCode: 503, body: { id: 'first', message: 'accepted in part' } });
    expect((await first).statusCode).toBe(503);
    const after = await idempotency.run(
      request,
      createLambdaContext('herald-api', 'us-east-1', 10_000),
      async () => ({ statusCode: 202, body: { id: 'third' } }),
    );
    expect(after).toMatchObject({ statusCode: 503, headers: { 'idempotency-replayed': 'true' } });
    expect(JSON.parse(after.body)).toEqual({ id: 'first', message: 'accepted in part' });
  });
});
