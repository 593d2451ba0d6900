import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { slotStarts } from '../../core/providers/batch-booking';
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
  /** Breaker reads of senders booked in memory (at most one a second per key and instance). */
  breakerReads: number;
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
    breakerReads: 0,
  };
  readonly #refreshedAt = new Map<string, number>();
  readonly #seen = new Map<string, number>();
  /** Each sender's breaker as last seen on its item (`openUntil`, epoch ms). */
  readonly #openUntil = new Map<string, number>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async reserve(key: string, costMs: number, horizonMs: number, now: number): Promise<Reservation> {
    const [reservation] = await this.reserveMany(key, [costMs], horizonMs, now);
    return reservation ?? { granted: false, freeAt: now + costMs };
  }

  /**
   * Slots of one key, one after another in the order given, in one conditional write: the leading
   * ones that start within the horizon (the rest refused, as one by one). The condition bounds the
   * last granted slot's start: a bucket moved meanwhile is refused and counted again.
   */
  async reserveMany(
    key: string,
    costsMs: readonly number[],
    horizonMs: number,
    now: number,
  ): Promise<Reservation[]> {
    const first = costsMs[0];
    if (first === undefined) return [];
    let known = this.#seen.get(key);
    for (let attempt = 1; attempt <= TRIES; attempt++) {
      if (known !== undefined && known >= now && known - now > horizonMs) {
        this.stats.deniedWithoutRequest += costsMs.length;
        const freeAt = known - horizonMs;
        return costsMs.map(() => ({ granted: false, freeAt }));
      }
      // Busy (or just caught up: within one cost of now), book after what is booked.
      const idle = known === undefined || known < now - first;
      const starts = slotStarts(costsMs, idle ? now : (known as number), now + horizonMs);
      const total = costsMs.slice(0, starts.length).reduce((sum, c) => sum + c, 0);
      // The last granted slot may start at most this much after the first.
      const lead = (starts.at(-1) ?? 0) - (starts[0] ?? 0);
      try {
        const tat = idle
          ? await this.#start(key, total, first, now)
          : await this.#extend(key, total, first, horizonMs - lead, now);
        this.#seen.set(key, tat);
        const base = tat - total;
        return costsMs.map((_, i) =>
          i < starts.length
            ? { granted: true, startAt: base + ((starts[i] as number) - (starts[0] as number)) }
            : { granted: false, freeAt: tat - horizonMs },
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        this.stats.refused++;
        this.#learn(key, Number(error.Item?.openUntil?.N ?? 0));
        const old = Number(error.Item?.tat?.N ?? Number.NaN);
        known = Number.isFinite(old) ? old : await this.#read(key);
        if (known !== undefined) this.#seen.set(key, known);
      }
    }
    // Still contended after every try: let them come back shortly rather than spend more writes.
    return costsMs.map(() => ({ granted: false, freeAt: now + first }));
  }

  /** A sender booked in memory brings no item back: its breaker is read, once a second a key. */
  async refresh(key: string, now: number): Promise<void> {
    if ((this.#refreshedAt.get(key) ?? Number.NEGATIVE_INFINITY) > now - 1_000) return;
    this.#refreshedAt.set(key, now);
    this.stats.breakerReads++;
    const answer = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `RATE#${key}`, sk: 'RATE' },
        ProjectionExpression: 'openUntil',
      }),
    );
    this.#learn(key, answer.Item?.openUntil);
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

  /** The idle form: the bucket's schedule starts now (`costMs` for every slot booked). */
  async #start(key: string, costMs: number, firstMs: number, now: number): Promise<number> {
    this.stats.writes++;
    const tat = now + costMs;
    const answer = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `RATE#${key}`, sk: 'RATE' },
        UpdateExpression: 'SET tat = :tat, expiresAt = :expires',
        ConditionExpression: 'attribute_not_exists(tat) OR tat < :floor',
        ExpressionAttributeValues: {
          ':tat': tat,
          ':floor': now - firstMs,
          ':expires': expiry(now),
        },
        // The whole (tiny) item: its breaker state comes with the booking at no extra cost.
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    this.#learn(key, answer.Attributes?.openUntil);
    return tat;
  }

  /**
   * The busy form: book the next `costMs` after what is booked, if the first slot starts within
   * `horizonMs` (already shortened by how far after it the last booked slot starts).
   */
  async #extend(
    key: string,
    costMs: number,
    firstMs: number,
    horizonMs: number,
    now: number,
  ): Promise<number> {
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
          ':floor': now - firstMs,
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
