import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { NotificationStore } from '../../../../functions/adapters/dynamodb/notification-store';

// On AWS a conditional write that fails answers 400 ConditionalCheckFailedException with the item
// as it was (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), in DynamoDB's low-level format; the
// local emulator sends no item, so only these tests run the path Herald takes on AWS: the real
// SDK client parses a real-shaped answer, and no second read may follow.

type Wire = { target: string; body: Record<string, unknown> };

/** A DynamoDB endpoint that refuses every conditional write, answering with `item`. */
function awsRefusing(item: Record<string, unknown> | undefined) {
  const requests: Wire[] = [];
  const reply = (status: number, body: unknown) => ({
    response: {
      statusCode: status,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: Readable.from([Buffer.from(JSON.stringify(body))]),
    },
  });
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'https://dynamodb.us-east-1.amazonaws.com',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body: string }) => {
        const target = String(request.headers['x-amz-target']).split('.').pop() ?? '';
        requests.push({ target, body: JSON.parse(request.body) });
        if (target === 'GetItem') return reply(200, item ? { Item: item } : {});
        // Page items (deliveries not claimed yet): none here.
        if (target === 'Query') return reply(200, { Items: [], Count: 0, ScannedCount: 0 });
        return reply(400, {
          __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
          message: 'The conditional request failed',
          ...(item && { Item: item }),
        });
      },
    } as never,
  });
  const store = new NotificationStore(DynamoDBDocumentClient.from(client), 'herald');
  return { store, requests, targets: () => requests.map((r) => r.target) };
}

const deliveryItem = (extra: Record<string, unknown> = {}) => ({
  pk: { S: 'NOTIF#n1' },
  sk: { S: 'DELIVERY#sms#0' },
  recipient: { S: '+14155550001' },
  tenantId: { S: 'acme' },
  attempts: { N: '2' },
  version: { N: '5' },
  ...extra,
});

describe('claim on AWS (the refused claim carries the item)', () => {
  it('reads the other attempt lease from the answer: in-flight until then, no second read', async () => {
    const leaseUntil = Date.parse('2026-12-01T12:03:30Z');
    const aws = awsRefusing(
      deliveryItem({ status: { S: 'sending' }, leaseUntil: { N: String(leaseUntil) } }),
    );
    expect(
      await aws.store.claim('n1', 'sms#0', Date.parse('2026-12-01T12:00:00Z'), 210_000),
    ).toEqual({
      claimed: false,
      reason: 'in-flight',
      status: 'sending',
      leaseUntil,
    });
    expect(aws.targets()).toEqual(['UpdateItem']);
    expect(aws.requests[0]?.body).toMatchObject({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
  });

  it('a delivery already past sending is final, with its status', async () => {
    const aws = awsRefusing(deliveryItem({ status: { S: 'delivered' } }));
    expect(await aws.store.claim('n1', 'sms#0', Date.now(), 210_000)).toEqual({
      claimed: false,
      reason: 'final',
      status: 'delivered',
    });
    expect(aws.targets()).toEqual(['UpdateItem']);
  });

  it('without an item in the answer (the emulator) it reads the status once', async () => {
    const aws = awsRefusing(undefined);
    expect(await aws.store.claim('n1', 'sms#0', Date.now(), 210_000)).toEqual({
      claimed: false,
      reason: 'missing',
    });
    // No item and no seed in its message: a page entry would still be claimable (the Query).
    expect(aws.targets()).toEqual(['UpdateItem', 'GetItem', 'Query']);
  });
});

describe('provider report on AWS (the refused write carries the item)', () => {
  it('answers what stopped it from the answer: status, recipient, tenant, message id; no second read', async () => {
    const aws = awsRefusing(
      deliveryItem({ status: { S: 'sent' }, providerMessageId: { S: 'SM2' } }),
    );
    const write = await aws.store.applyReport('n1', 'sms#0', {
      status: 'undelivered',
      from: ['sending', 'sent'],
      providerMessageId: 'SM1',
      now: Date.now(),
    });
    expect(write).toEqual({
      applied: false,
      recipient: '+14155550001',
      status: 'sent',
      tenantId: 'acme',
      providerMessageId: 'SM2',
    });
    expect(aws.targets()).toEqual(['UpdateItem']);
    // The write named its message: it could only apply to a delivery recording SM1 or none.
    expect(String(aws.requests[0]?.body.ConditionExpression)).toContain('#providerMessageId');
  });

  it('a delivery that does not exist answers missing (no item, and none on the read)', async () => {
    const aws = awsRefusing(undefined);
    const write = await aws.store.applyReport('n1', 'sms#0', {
      status: 'delivered',
      from: ['sending', 'sent'],
      now: Date.now(),
    });
    expect(write).toEqual({ applied: false, missing: true });
    expect(aws.targets()).toEqual(['UpdateItem', 'GetItem']);
  });
});
