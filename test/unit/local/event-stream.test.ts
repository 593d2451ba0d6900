import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('keeps unhandled records in the data directory: a crashed stack hands them over on restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-stream-'));
    const journalFile = join(dir, 'stream.jsonl');
    try {
      // Run 1 handles a's first writes, then "crashes": its function never answers again and the
      // stream is abandoned, never stopped (as a SIGKILL leaves it).
      const firstRun: string[] = [];
      let hang = false;
      const crashed = startLocalStream({
        region: 'us-east-1',
        tableName: 't',
        shards: 1,
        batchSize: 2,
        batchingWindowMs: 0,
        journalFile,
        invoke: async (event) => {
          if (hang) return new Promise(() => undefined);
          firstRun.push(...event.Records.map((r) => `${pkOf(r)}${nOf(r)}`));
          hang = true;
        },
        onFailure: () => undefined,
      });
      for (let n = 0; n < 3; n++) crashed.push(write('a', n));
      for (let n = 0; n < 2; n++) crashed.push(write('b', n));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(firstRun).toEqual(['a0', 'a1']);

      // Run 2, on the same data directory: what run 1 never finished comes first, in order, and
      // new writes follow under numbers that do not repeat run 1's.
      const secondRun: DynamoDBRecord[] = [];
      const restarted = startLocalStream({
        region: 'us-east-1',
        tableName: 't',
        shards: 1,
        journalFile,
        invoke: async (event) => {
          secondRun.push(...event.Records);
        },
        onFailure: () => undefined,
      });
      restarted.push(write('c', 0));
      await restarted.drained();
      await restarted.stop();
      expect(secondRun.map((r) => `${pkOf(r)}${nOf(r)}`)).toEqual(['a2', 'b0', 'b1', 'c0']);
      const numbers = secondRun.map((r) => r.dynamodb?.SequenceNumber);
      expect(new Set(numbers).size).toBe(4);

      // Run 3: everything was handled, nothing comes again.
      const thirdRun: DynamoDBRecord[] = [];
      const third = startLocalStream({
        region: 'us-east-1',
        tableName: 't',
        journalFile,
        invoke: async (event) => {
          thirdRun.push(...event.Records);
        },
        onFailure: () => undefined,
      });
      await third.drained();
      await third.stop();
      expect(thirdRun).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
