import { createHash } from 'node:crypto';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { CapturedWrite } from './emulators/dynamodb';
import { StreamJournal } from './stream-journal';

/** How the local stream feeds its function, as a Lambda DynamoDB event source mapping would. */
export interface LocalStreamOptions {
  region: string;
  tableName: string;
  /** The function; a thrown error or `batchItemFailures` makes the batch (or its rest) retry. */
  invoke: (event: DynamoDBStreamEvent) => Promise<unknown>;
  /** Shards the writes are spread over by partition key (each shard in order). Default 4. */
  shards?: number;
  /** Records per invocation at most (BatchSize). Default 100. */
  batchSize?: number;
  /** Wait this long for a batch to fill (MaximumBatchingWindowInSeconds). Default 20 ms. */
  batchingWindowMs?: number;
  /** Retries of a failing batch before it goes to `onFailure` (MaximumRetryAttempts). Default 10. */
  maxRetries?: number;
  /** First retry delay, doubling up to 5 s. Default 100 ms. */
  retryBaseMs?: number;
  /** The on-failure destination: a batch given up on (its records are skipped, as in AWS). */
  onFailure: (records: DynamoDBRecord[], error: unknown) => void;
  /**
   * Keep every record in this file until it is handled (or given up on), and hand over again,
   * in order, what a previous run left there (`npm start` keeps it in the data directory).
   * Default: records in memory only.
   */
  journalFile?: string;
}

/** ReportBatchItemFailures: the first failed record and everything after it are retried. */
export interface StreamResponse {
  batchItemFailures?: Array<{ itemIdentifier: string }>;
}

/** A running local stream. */
export interface LocalStream {
  /** Feed one captured write (in capture order). */
  push(write: CapturedWrite): void;
  /** Resolves when every record pushed so far was handled (or given up on). */
  drained(): Promise<void>;
  /** Records pushed, and handed to the function so far (including retries). */
  stats(): {
    pushed: number;
    records: number;
    invocations: number;
    retries: number;
    failedBatches: number;
  };
  /**
   * Finish the batch in flight, then stop. Records not yet handed over are dropped, or, with a
   * journal, handed over by the next stream on the same file.
   */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The DynamoDB Stream the local stack lacks (dynalite has none), fed by the writes dynalite
 * captures with old and new images. Records are spread over shards by partition key, so the
 * records of one item (and of one partition) stay in order; each shard hands its function one
 * batch at a time and retries a failed batch, in order, before moving on, like the Lambda
 * event source. With `journalFile`, records are kept on disk until handled, like the 24 hours a
 * shard keeps them in AWS: a crash of the stack loses none, and the next start hands them over
 * (at least once, as in AWS: a batch handled just before the crash may come again). Without it,
 * records live in memory only.
 */
export function startLocalStream(options: LocalStreamOptions): LocalStream {
  const shardCount = options.shards ?? 4;
  const batchSize = options.batchSize ?? 100;
  const windowMs = options.batchingWindowMs ?? 20;
  const maxRetries = options.maxRetries ?? 10;
  const retryBaseMs = options.retryBaseMs ?? 100;
  const arn = `arn:aws:dynamodb:${options.region}:000000000000:table/${options.tableName}/stream/local`;
  const shards = Array.from({ length: shardCount }, () => ({
    records: [] as DynamoDBRecord[],
    running: undefined as Promise<void> | undefined,
  }));
  const counts = { pushed: 0, records: 0, invocations: 0, retries: 0, failedBatches: 0 };
  let stopped = false;
  const journal = options.journalFile ? StreamJournal.open(options.journalFile) : undefined;
  /** Records leave a shard only here: handled, or given up on. The journal learns it first. */
  const settle = (shard: (typeof shards)[number], count: number) => {
    const settled = shard.records.splice(0, count);
    journal?.settled(settled.map((r) => r.dynamodb?.SequenceNumber ?? ''));
  };

  const run = async (shard: (typeof shards)[number]) => {
    await sleep(windowMs);
    while (shard.records.length > 0 && !stopped) {
      let batch = shard.records.slice(0, batchSize);
      for (let attempt = 0; ; attempt++) {
        counts.invocations += 1;
        counts.records += batch.length;
        let failedFrom: number | undefined;
        let error: unknown;
        try {
          const response = await options.invoke({ Records: batch });
          const ids = (response as StreamResponse | undefined)?.batchItemFailures?.map(
            (f) => f.itemIdentifier,
          );
          if (ids && ids.length > 0) {
            const index = batch.findIndex((r) => ids.includes(r.dynamodb?.SequenceNumber ?? ''));
            failedFrom = index < 0 ? 0 : index;
            error = new Error(`batch item failures from ${ids[0]}`);
          }
        } catch (thrown) {
          failedFrom = 0;
          error = thrown;
        }
        if (failedFrom === undefined) {
          settle(shard, batch.length);
          break;
        }
        // Records before the first failure are done (checkpointed); the rest is retried.
        settle(shard, failedFrom);
        batch = batch.slice(failedFrom);
        if (stopped && journal) break; // kept in the journal for the next start
        if (attempt >= maxRetries || stopped) {
          counts.failedBatches += 1;
          options.onFailure(batch, error);
          settle(shard, batch.length);
          break;
        }
        counts.retries += 1;
        await sleep(Math.min(5_000, retryBaseMs * 2 ** attempt));
      }
    }
    shard.running = undefined;
    if (shard.records.length > 0 && !stopped) shard.running = run(shard);
    else if (shards.every((s) => s.records.length === 0)) journal?.compact();
  };

  const shardOf = (keys: Record<string, unknown>) => {
    const pk = JSON.stringify(keys.pk ?? keys);
    return shards[createHash('md5').update(pk).digest().readUInt32BE(0) % shardCount] ?? shards[0];
  };

  const enqueue = (record: DynamoDBRecord) => {
    const shard = shardOf(record.dynamodb?.Keys ?? {});
    if (!shard) return;
    counts.pushed += 1;
    shard.records.push(record);
    shard.running ??= run(shard);
  };
  // What a previous run left unhandled goes first, in its order, before any new write.
  for (const record of journal?.pending() ?? []) enqueue(record);

  return {
    push(write) {
      if (stopped || write.tableName !== options.tableName) return;
      // Numbered by the journal when there is one: the emulator's count restarts with the
      // process, and a record kept from the last run must not share its number with a new one.
      const sequenceNumber = journal?.nextSequenceNumber() ?? write.sequenceNumber;
      const record = {
        eventID: sequenceNumber,
        eventName: write.eventName,
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: options.region,
        dynamodb: {
          ApproximateCreationDateTime: write.approximateCreationDateTime,
          Keys: write.keys,
          ...(write.newImage && { NewImage: write.newImage }),
          ...(write.oldImage && { OldImage: write.oldImage }),
          SequenceNumber: sequenceNumber,
          SizeBytes:
            JSON.stringify(write.keys).length +
            JSON.stringify(write.newImage ?? write.oldImage ?? {}).length,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
        eventSourceARN: arn,
      } as DynamoDBRecord;
      // On disk before anyone may handle it: a crash from here on loses nothing.
      journal?.append(record);
      enqueue(record);
    },
    async drained() {
      while (shards.some((s) => s.running || s.records.length > 0)) {
        await Promise.all(shards.map((s) => s.running));
        if (stopped) return;
      }
    },
    stats: () => ({ ...counts }),
    async stop() {
      stopped = true;
      await Promise.all(shards.map((s) => s.running));
      journal?.close();
    },
  };
}
