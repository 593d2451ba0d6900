import type { DeliveryRecord } from '../notifications/model';
import type { FanoutMessage, FanoutState, Topic } from './model';

/*
 * What topics and their fan-out need from the outside world (adapters/dynamodb/topic-store.ts,
 * fanout-store.ts, adapters/sqs/fanout-queue.ts). Every topic method is scoped to one tenant.
 */

/** A page of a listing; `nextCursor` when there is more. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface TopicStore {
  /** Creates the topic or renames it; answers whether it was created. */
  putTopic(topic: Topic): Promise<{ created: boolean; topic: Topic }>;
  getTopic(tenantId: string, key: string): Promise<Topic | undefined>;
  listTopics(tenantId: string, options: { cursor?: string; limit: number }): Promise<Page<Topic>>;
  /** Idempotent: subscribing an id twice leaves one subscription. */
  subscribe(tenantId: string, key: string, ids: readonly string[], now: string): Promise<void>;
  /** Answers whether the id was subscribed. */
  unsubscribe(tenantId: string, key: string, id: string): Promise<boolean>;
  /**
   * Subscriber ids in a stable order (shard by shard, id order within one), `limit` a page. The
   * cursor names the last id read, so a page read again after a crash starts at the same place.
   */
  subscribers(
    tenantId: string,
    key: string,
    options: { cursor?: string; limit: number },
  ): Promise<Page<string>>;
  /** The keys of every topic `recipientId` is subscribed to. */
  topicsOf(tenantId: string, recipientId: string): Promise<string[]>;
}

/** A fan-out's checkpoint and the deliveries it creates. */
export interface FanoutStore {
  /** Writes the fan-out state of a new topic send (before its notification item). */
  create(state: FanoutState, stallAt: number, expiresAt: number): Promise<void>;
  /** Strongly consistent. */
  get(notificationId: string): Promise<FanoutState | undefined>;
  /**
   * Conditional creates (the item must not exist): answers the ids created now. A delivery
   * already there (an earlier run of the same page) is left exactly as it is.
   */
  createDeliveries(
    deliveries: readonly DeliveryRecord[],
    expiresAt: number,
    page?: number,
  ): Promise<Set<string>>;
  /**
   * Moves the checkpoint past page `page` (only if it still names that page and is running):
   * the next cursor, or `done`, and the page's counts. False when another copy came first or
   * the fan-out was cancelled.
   */
  checkpoint(
    notificationId: string,
    page: number,
    next: { cursor?: string; done: boolean; stallAt: number; now: string },
    add: { total: number; enqueued: number; skipped: number },
  ): Promise<boolean>;
  /** running -> cancelled; the state before, or undefined when it was not running. */
  cancel(notificationId: string, now: string): Promise<FanoutState | undefined>;
  /** A cancelled fan-out whose leftovers were cancelled: off the stalled list. */
  settle(notificationId: string): Promise<void>;
  /** Fan-outs (running, or cancelled and not yet settled) whose checkpoint has not moved by `now`. */
  stalled(now: number, limit: number): Promise<string[]>;
  /**
   * Up to `limit` deliveries of a notification in key order (eventually consistent), after
   * `cursor` (a `nextCursor` this gave out; anything else is a 400 at `cursor`).
   */
  deliveriesPage(
    notificationId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ deliveries: DeliveryRecord[]; more: boolean; nextCursor?: string }>;
  /** Pushes a fan-out's stall deadline out (the reconciler just re-sent its page). */
  touch(notificationId: string, stallAt: number): Promise<void>;
}

/** The fan-out queue: one message per page to work on. */
export interface FanoutQueue {
  /** `delaySeconds` (<= 900): SQS holds the message back that long. */
  send(message: Omit<FanoutMessage, 'v'>, delaySeconds?: number): Promise<void>;
}
