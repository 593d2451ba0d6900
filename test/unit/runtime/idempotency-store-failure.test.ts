import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../functions/core/shared/errors';
import { createIdempotency } from '../../../functions/runtime/idempotency';

const context = { getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const request = { tenantId: 'acme', route: 'POST /v1/notifications', key: 'k-1', body: { a: 1 } };

/**
 * A DynamoDB client for the idempotency table that answers the commands named in `ok` as if they
 * succeeded and fails every other one, as a throttled or unreachable table would.
 */
function table(ok: string[]) {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const seen: string[] = [];
  client.middlewareStack.add(
    (_next, ctx) => async () => {
      const command = String(ctx.commandName);
      seen.push(command);
      if (ok.includes(command)) return { output: { $metadata: {} }, response: {} } as never;
      throw Object.assign(new Error('Throughput exceeds the current capacity'), {
        name: 'ProvisionedThroughputExceededException',
      });
    },
    { step: 'initialize', name: 'failingTable' },
  );
  return { client, seen };
}

describe('Idempotency-Key when its table fails', () => {
  it('answers 503 with Retry-After, and does nothing, when the key cannot be checked', async () => {
    const { client } = table([]);
    let ran = 0;
    const answer = await createIdempotency('idem', client).run(request, context, async () => {
      ran += 1;
      return { statusCode: 202, body: { id: 'n1' } };
    });
    expect(answer.statusCode).toBe(503);
    expect(answer.headers).toMatchObject({ 'retry-after': '5' });
    expect(JSON.parse(answer.body)).toEqual({
      message: 'Idempotency-Key could not be checked; nothing was done. Retry later.',
    });
    expect(ran).toBe(0);
  });

  it("gives the request's own answer when only keeping it failed, and reports that", async () => {
    const { client, seen } = table(['PutItemCommand']);
    const notKept: unknown[] = [];
    const answer = await createIdempotency('idem', client, (error) => notKept.push(error)).run(
      request,
      context,
      async () => ({ statusCode: 202, body: { id: 'n1' } }),
    );
    expect(seen).toEqual(['PutItemCommand', 'UpdateItemCommand']);
    expect(answer.statusCode).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({ id: 'n1' });
    expect(notKept).toHaveLength(1);
  });

  it("gives the request's own error when it failed and its key could not be released", async () => {
    const { client, seen } = table(['PutItemCommand']);
    const invalid = new InvalidRequestError([{ path: 'channels', message: 'is required' }]);
    await expect(
      createIdempotency('idem', client).run(request, context, async () => {
        throw invalid;
      }),
    ).rejects.toBe(invalid);
    expect(seen).toEqual(['PutItemCommand', 'DeleteItemCommand']);
  });
});
