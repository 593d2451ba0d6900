import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitForFinal } from '../support/client';

type Delivery = { recipient: string; status: string; attempts: number };

describe('send rates › what booking costs: a fast sender’s share in memory, slow ones in DynamoDB', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    // The default clock: the stack's FCM project (10,000/s) over 4 push copies is far more than
    // a copy sends; the stack's SES account (14/s) is not.
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** The sender buckets of the stack's own providers in the table. */
  async function stackBuckets(): Promise<string[]> {
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const answer = await db.send(
      new ScanCommand({
        TableName: stack.env.TABLE_NAME ?? '',
        FilterExpression: 'begins_with(pk, :rate)',
        ExpressionAttributeValues: { ':rate': 'RATE#stack:' },
        ProjectionExpression: 'pk',
      }),
    );
    return (answer.Items ?? []).map((item) => String(item.pk));
  }

  it('sends pushes on each function’s share of the FCM project: no bucket item, no 429, one attempt each', async () => {
    const client = apiClient(stack);
    const tokens = Array.from({ length: 30 }, (_, i) => `token-share-${i}`);
    const { status, body } = await client.post('/v1/notifications', {
      channels: { push: { tokens, title: 't', body: 'b' } },
    });
    expect(status).toBe(202);
    const done = await waitForFinal(client, body.id as string, 30_000);
    const deliveries = done.deliveries as unknown as Delivery[];
    expect(deliveries.map((d) => d.status)).toEqual(tokens.map(() => 'sent'));
    expect(deliveries.map((d) => d.attempts)).toEqual(tokens.map(() => 1));
    expect(stack.providerRates.refused('fcm:')).toBe(0);
    expect((await stackBuckets()).filter((pk) => pk.includes(':push:'))).toEqual([]);
  });

  it('still books the stack’s SES account, shared by tenants, in its DynamoDB bucket', async () => {
    const client = apiClient(stack);
    const to = Array.from({ length: 10 }, (_, i) => `share-${i}@example.com`);
    const { status, body } = await client.post('/v1/notifications', {
      channels: { email: { to, subject: 's', text: 't' } },
    });
    expect(status).toBe(202);
    const done = await waitForFinal(client, body.id as string, 30_000);
    const deliveries = done.deliveries as unknown as Delivery[];
    expect(deliveries.every((d) => d.attempts === 1)).toBe(true);
    expect(await stackBuckets()).toContain('RATE#stack:email:account');
  });
});
