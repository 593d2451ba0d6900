import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { CapturedWrite } from '../../../local/emulators/dynamodb';
import { startLocalStream } from '../../../local/event-stream';

let sequence = 0;
const write = (pk: string, n: number): CapturedWrite => ({
  tableName: 't',
  eventName: n === 0 ? 'INSERT' : 'MODIFY',
  sequenceNumber: String(++sequence).padStart(21, '0'),
  approximateCreationDateTime: 0,
  keys: { pk: { S: pk }, sk: { S: 'x' } },
  ...(n > 0 && { oldImage: { pk: { S: pk }, n: { N: String(n - 1) } } }),
  newImage: { pk: { S: pk }, n: { N: String(n) } },
});
const nOf = (r: DynamoDBRecord) => Number(r.dynamodb?.NewImage?.n?.N);
const pkOf = (r: DynamoDBRecord) => String(r.dynamodb?.Keys?.pk?.S);

describe('local DynamoDB Stream', () => {
  it('hands every write over once, in order per item, with old and new images, in batches', async () => {
    const seen: DynamoDBRecord[] = [];
    let batches = 0;
    const stream = startLocalStream({
      region: 'us-east-1',
      tableName: 't',
      batchSize: 7,
      invoke: async (event) => {
        batches += 1;
        seen.push(...event.Records);
      },
      onFailure: () => undefined,
    });
    for (let n = 0; n < 20; n++) for (const pk of ['a', 'b', 'c']) stream.push(write(pk, n));
    await stream.drained();
    expect(seen).toHaveLength(60);
    expect(batches).toBeLessThan(60);
    for (const pk of ['a', 'b', 'c']) {
      const ns = seen.filter((r) => pkOf(r) === pk).map(nOf);
      expect(ns).toEqual([...Array(20).keys()]);
    }
    const modify = seen.find((r) => r.eventName === 'MODIFY');
    expect(modify?.dynamodb?.OldImage?.n?.N).toBe(String(nOf(modify as DynamoDBRecord) - 1));
    expect(modify?.dynamodb?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
    await stream.stop();
  });

  it('retries a failing batch before anything after it, then resumes in order', async () => {
    const seen: number[] = [];
    let failures = 2;
    const stream = startLocalStream({
      region: 'us-east-1',
      tableName: 't',
      shards: 1,
      retryBaseMs: 1,
      batchSize: 3,
      invoke: async (event) => {
        if (event.Records.some((r) => nOf(r) === 4) && failures-- > 0) throw new Error('down');
        seen.push(...event.Records.map(nOf));
      },
      onFailure: () => undefined,
    });
    for (let n = 0; n < 9; n++) stream.push(write('a', n));
    await stream.drained();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(stream.stats().retries).toBe(2);
    await stream.stop();
  });

  it('resumes from the first reported item failure, and gives up on a batch after the retries', async () => {
    const seen: number[] = [];
    const failed: number[][] = [];
    const stream = startLocalStream({
      region: 'us-east-1',
      tableName: 't',
      shards: 1,
      retryBaseMs: 1,
      maxRetries: 2,
      invoke: async (event) => {
        const bad = event.Records.find((r) => nOf(r) === 2);
        const done = bad ? event.Records.slice(0, event.Records.indexOf(bad)) : event.Records;
        seen.push(...done.map(nOf));
        if (bad)
          return { batchItemFailures: [{ itemIdentifier: bad.dynamodb?.SequenceNumber ?? '' }] };
      },
      onFailure: (records) => failed.push(records.map(nOf)),
    });
    for (let n = 0; n < 4; n++) stream.push(write('a', n));
    await stream.drained();
    expect(seen).toEqual([0, 1]);
    expect(failed).toEqual([[2, 3]]);
    stream.push(write('a', 4));
    await stream.drained();
    expect(seen).toEqual([0, 1, 4]);
    await stream.stop();
  });
});
