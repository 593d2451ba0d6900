import * as z from 'zod/mini';
import type { Channel, Priority } from '../notifications/model';

/*
 * Topics (issue 21): named audiences of recipient ids. A send to a topic is answered at once and
 * fanned out afterwards, a page of subscribers at a time, by the fan-out stage (fanout.ts).
 */

/** Letters, digits and `_ . -`, 1-64 characters: safe in a key, a URL path and a log line. */
export const TOPIC_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const topicKey = z
  .string()
  .check(
    z.regex(
      TOPIC_KEY_PATTERN,
      'must be 1-64 characters: letters, digits and _ . - (starting with a letter or digit)',
    ),
  );
export const topicName = z.string().check(z.minLength(1), z.maxLength(200));

/** Partitions a topic's subscriptions are spread over (adapters/dynamodb/topic-store.ts). */
export const TOPIC_SHARDS = 16;

/** FNV-1a: a cheap, stable spread of recipient ids over the shards. */
export function topicShardOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % TOPIC_SHARDS;
}

/** Recipient ids per subscribe call. */
export const MAX_SUBSCRIBE_IDS = 1_000;

export interface Topic {
  tenantId: string;
  key: string;
  name?: string;
  createdAt: string;
  updatedAt: string;
}

/** One row of a subscribe call's answer: each id succeeds or fails alone. */
export type SubscribeResult =
  | { id: string; status: 'subscribed' }
  | { id: string; status: 'error'; errors: { path: string; message: string }[] };

/** Where a fan-out stands: `running` until every page is done, or until it is cancelled. */
export type FanoutStatus = 'running' | 'done' | 'cancelled';

/**
 * A topic send's fan-out, kept beside the notification (its checkpoint): what to send, where the
 * subscriber listing resumes and what was done so far. `page` names the page the next message
 * works on; only the message for exactly that page may move the checkpoint.
 */
export interface FanoutState {
  notificationId: string;
  tenantId: string;
  topic: string;
  status: FanoutStatus;
  channels: Channel[];
  category?: string;
  priority: Priority;
  metadata?: Record<string, string>;
  /** When the fan-out starts (ISO), for a send with `sendAt`. */
  sendAt?: string;
  /** Where the next page of subscribers starts; absent on the first page. */
  cursor?: string;
  page: number;
  /** Subscribers read so far. */
  total: number;
  /** Deliveries put on a channel queue. */
  enqueued: number;
  /** Deliveries recorded `skipped` (no address, opted out, suppressed, address invalid). */
  skipped: number;
  /**
   * Shards its delivery ids name (core/notifications/delivery-shards.ts); absent on a topic send
   * accepted before shards existed, whose later pages keep ids without a shard (its readers look
   * in the notification's own partition only).
   */
  deliveryShards?: number;
  createdAt: string;
  updatedAt: string;
}

/** The fan-out queue's message: work on page `page` of notification `notificationId`. */
export interface FanoutMessage {
  v: 1;
  notificationId: string;
  page: number;
  /** Epoch ms: a send with `sendAt` starts then (the message waits in 15-minute hops). */
  notBefore?: number;
}

/** What `GET /v1/notifications/{id}` shows of a fan-out. */
export function fanoutProgress(state: FanoutState) {
  return {
    topic: state.topic,
    status: state.status,
    total: state.total,
    enqueued: state.enqueued,
    skipped: state.skipped,
    done: state.status !== 'running',
  };
}

export function encodeFanoutMessage(message: Omit<FanoutMessage, 'v'>): string {
  return JSON.stringify({ v: 1, ...message });
}

/** A body that is not a fan-out message is undefined (dropped: no retry could read it). */
export function decodeFanoutMessage(body: string): FanoutMessage | undefined {
  try {
    const value = JSON.parse(body) as Partial<FanoutMessage>;
    if (
      value.v === 1 &&
      typeof value.notificationId === 'string' &&
      Number.isInteger(value.page) &&
      (value.page as number) >= 0 &&
      (value.notBefore === undefined || Number.isFinite(value.notBefore))
    ) {
      return value as FanoutMessage;
    }
  } catch {
    // not JSON
  }
  return undefined;
}
