import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { BreakerSettings, SenderBreakers } from '../../core/providers/breaker';
import type { RateBuckets, Reservation } from '../../core/providers/ports';

/** Requests this store made (the bench's cost per delivery); one write unit each: items < 1 KB. */
export interface TokenBucketStats {
  /** Conditional UpdateItems, granted or refused (a refused one costs its write unit too). */
  writes: number;
  /** Refused by their condition (another sender moved the bucket first). */
  refused: number;
  /** Strongly consistent reads after a refusal that came without the item (emulators). */
  reads: number;
  /** Denials decided from a bucket state already seen, with no request. */
  deniedWithoutRequest: number;
  /** Writes counting provider-side failures and opening breakers (failures only). */
  breakerWrites: number;
}

const TRIES = 4;
const KEEP_SECONDS = 2 * 24 * 3600;

/**
 * RateBuckets on the main table: one item per key (`RATE#<key>` / `RATE`) holding `tat`, the
 * GCRA theoretical arrival time (epoch ms). A reservation is one conditional UpdateItem:
 * `SET tat = tat + cost IF now <= tat <= now + horizon` while the bucket is busy, or
 * `SET tat = now + cost IF tat < now` while it is idle, so concurrent functions never book the
 * same slot. A refusal returns the item (ReturnValuesOnConditionCheckFailure) and the next try
 * takes the other form. `tat` only ever grows, so a bucket seen booked beyond the horizon is
 * refused from memory with no request at all. Items expire (TTL) two days after their last use.
 */
export class TokenBucketStore implements RateBuckets, SenderBreakers {
  readonly stats: TokenBucketStats = {
    writes: 0,
    refused: 0,
    reads: 0,
    deniedWithoutRequest: 0,
    breakerWrites: 0,
  };
  readonly #seen = new Map<string, number>();
  /** Each sender's breaker as last seen on its item (`openUntil`, epoch ms). */
  readonly #openUntil = new Map<string, number>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async reserve(key: string, costMs: number, horizonMs: number, now: number): Promise<Reservation> {
    let known = this.#seen.get(key);
    for (let attempt = 1; attempt <= TRIES; attempt++) {
      if (known !== undefined && known >= now && known - now > horizonMs) {
        this.stats.deniedWithoutRequest++;
        return { granted: false, freeAt: known - horizonMs };
      }
      // Busy (or just caught up: within one cost of now), book after what is booked.
      const idle = known === undefined || known < now - costMs;
      try {
        const tat = idle
          ? await this.#start(key, costMs, now)
          : await this.#extend(key, costMs, horizonMs, now);
        this.#seen.set(key, tat);
        return { granted: true, startAt: tat - costMs };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        this.stats.refused++;
        this.#learn(key, Number(error.Item?.openUntil?.N ?? 0));
        const old = Number(error.Item?.tat?.N ?? Number.NaN);
        known = Number.isFinite(old) ? old : await this.#read(key);
        if (known !== undefined) this.#seen.set(key, known);
      }
    }
    // Still contended after every try: let it come back shortly rather than spend more writes.
    return { granted: false, freeAt: now + costMs };
  }

  /** Each sender's breaker as its item holds it (BatchGetItem, 100 keys a call): for display. */
  async breakerStates(
    keys: readonly string[],
    now: number,
  ): Promise<Map<string, { open: boolean; openUntil?: number; recentFailures: number }>> {
    const states = new Map<string, { open: boolean; openUntil?: number; recentFailures: number }>();
    for (let i = 0; i < keys.length; i += 100) {
      const chunk = keys.slice(i, i + 100);
      const answer = await this.db.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: chunk.map((key) => ({ pk: `RATE#${key}`, sk: 'RATE' })),
              ProjectionExpression: 'pk, openUntil, fails, lastFail',
            },
          },
        }),
      );
      for (const item of answer.Responses?.[this.tableName] ?? []) {
        const key = String(item.pk).slice('RATE#'.length);
        const openUntil = Number(item.openUntil ?? 0);
        const recent = Number(item.lastFail ?? 0) >= now - 30_000 ? Number(item.fails ?? 0) : 0;
        states.set(key, {
          open: openUntil > now,
          ...(openUntil > now && { openUntil }),
          recentFailures: recent,
        });
      }
    }
    return states;
  }

  isOpen(key: string, now: number): boolean {
    return (this.#openUntil.get(key) ?? 0) > now;
  }

  /**
   * A provider-side failure of this sender: counted on its bucket item within the window (a
   * failure after the window starts the count again), and at the threshold the breaker opens
   * for every sender function (they read `openUntil` with their next booking). Successes write
   * nothing: only failures cost.
   */
  async failure(key: string, now: number, settings: BreakerSettings): Promise<void> {
    const Key = { pk: `RATE#${key}`, sk: 'RATE' };
    let fails: number;
    try {
      this.stats.breakerWrites++;
      const answer = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: 'SET fails = fails + :one, lastFail = :now, expiresAt = :expires',
          ConditionExpression: 'lastFail >= :windowStart',
          ExpressionAttributeValues: {
            ':one': 1,
            ':now': now,
            ':windowStart': now - settings.windowMs,
            ':expires': expiry(now),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      fails = Number(answer.Attributes?.fails ?? 1);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      this.stats.breakerWrites++;
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: 'SET fails = :one, lastFail = :now, expiresAt = :expires',
          ExpressionAttributeValues: { ':one': 1, ':now': now, ':expires': expiry(now) },
        }),
      );
      fails = 1;
    }
    if (fails < settings.failures) return;
    const until = now + settings.openMs;
    this.stats.breakerWrites++;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key,
        UpdateExpression: 'SET openUntil = :until, fails = :zero',
        ExpressionAttributeValues: { ':until': until, ':zero': 0 },
      }),
    );
    this.#learn(key, until);
  }

  #learn(key: string, openUntil: unknown): void {
    const until = Number(openUntil ?? 0);
    if (Number.isFinite(until) && until > 0) this.#openUntil.set(key, until);
  }

  /** The idle form: the bucket's schedule starts now. */
  async #start(key: string, costMs: number, now: number): Promise<number> {
    this.stats.writes++;
    const tat = now + costMs;
    const answer = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `RATE#${key}`, sk: 'RATE' },
        UpdateExpression: 'SET tat = :tat, expiresAt = :expires',
        ConditionExpression: 'attribute_not_exists(tat) OR tat < :floor',
        ExpressionAttributeValues: { ':tat': tat, ':floor': now - costMs, ':expires': expiry(now) },
        // The whole (tiny) item: its breaker state comes with the booking at no extra cost.
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    this.#learn(key, answer.Attributes?.openUntil);
    return tat;
  }

  /** The busy form: book the next `costMs` after what is booked, if within the horizon. */
  async #extend(key: string, costMs: number, horizonMs: number, now: number): Promise<number> {
    this.stats.writes++;
    const bounded = Number.isFinite(horizonMs);
    const answer = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `RATE#${key}`, sk: 'RATE' },
        UpdateExpression: 'SET tat = tat + :cost, expiresAt = :expires',
        // From one cost in the past: a bucket that just ran dry is still extended in one write
        // (its next slot starts at most one unit early), rather than refused into the idle form.
        ConditionExpression: bounded ? 'tat BETWEEN :floor AND :limit' : 'tat >= :floor',
        ExpressionAttributeValues: {
          ':cost': costMs,
          ':floor': now - costMs,
          ':expires': expiry(now),
          ...(bounded && { ':limit': now + horizonMs }),
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    this.#learn(key, answer.Attributes?.openUntil);
    return Number(answer.Attributes?.tat);
  }

  async #read(key: string): Promise<number | undefined> {
    this.stats.reads++;
    const answer = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `RATE#${key}`, sk: 'RATE' },
        ConsistentRead: true,
      }),
    );
    this.#learn(key, answer.Item?.openUntil);
    const tat = answer.Item?.tat;
    return typeof tat === 'number' ? tat : undefined;
  }
}

function expiry(now: number): number {
  return Math.ceil(now / 1000) + KEEP_SECONDS;
}
