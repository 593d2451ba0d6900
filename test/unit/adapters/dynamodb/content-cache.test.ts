import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ByteBoundedCache,
  CONTENT_CACHE_BYTES,
  contentCache,
} from '../../../../functions/adapters/dynamodb/content-cache';
import { NotificationStore } from '../../../../functions/adapters/dynamodb/notification-store';

describe('ByteBoundedCache', () => {
  it('never holds more bytes than its bound, dropping the least recently used', () => {
    const cache = new ByteBoundedCache<string>(1000);
    cache.set('a', 'A', 400);
    cache.set('b', 'B', 400);
    expect(cache.get('a')).toBe('A'); // a is now the most recent
    cache.set('c', 'C', 400);

    expect(cache.bytes).toBeLessThanOrEqual(1000);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('A');
    expect(cache.get('c')).toBe('C');
  });

  it('does not keep a value larger than the whole cache', () => {
    const cache = new ByteBoundedCache<string>(1000);
    cache.set('a', 'A', 10);
    cache.set('huge', 'H', 1001);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('a')).toBe('A');
  });
});

/** A DocumentClient stand-in that answers GetItem with one notification's projected content. */
function fakeDb(content: Record<string, unknown>) {
  const commands: { ProjectionExpression?: string; ExpressionAttributeNames?: unknown }[] = [];
  const db = {
    send: async (command: { input: (typeof commands)[number] }) => {
      commands.push(command.input);
      const names = command.input.ExpressionAttributeNames as Record<string, string>;
      const channel = names['#channel'] as string;
      return { Item: { content: { [channel]: content[channel] } } };
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, commands };
}

describe('NotificationStore.getContent', () => {
  beforeEach(() => contentCache.clear());

  it('reads and caches only the channel it sends, once per notification', async () => {
    const email = { subject: 'Hi', html: 'x'.repeat(300_000) };
    const sms = { text: 'hello' };
    const { db, commands } = fakeDb({ email, sms });
    const store = new NotificationStore(db, 'herald');

    expect(await store.getContent('n1', 'sms')).toEqual(sms);
    expect(await store.getContent('n1', 'sms')).toEqual(sms);

    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({
      ProjectionExpression: '#content.#channel, personalized',
      ExpressionAttributeNames: { '#content': 'content', '#channel': 'sms' },
    });
    // The 300 KB email body of the same notification is not held by the SMS sender.
    expect(contentCache.bytes).toBeLessThan(100);
  });

  it('reads a personalized channel’s content from the delivery’s own item, each once', async () => {
    const keys: unknown[] = [];
    const db = {
      send: async (command: { input: { Key: { sk: string } } }) => {
        keys.push(command.input.Key.sk);
        const { sk } = command.input.Key;
        if (sk === 'META') return { Item: { personalized: ['email'] } };
        return { Item: { content: { subject: `for ${sk}` } } };
      },
    } as unknown as DynamoDBDocumentClient;
    const store = new NotificationStore(db, 'herald');
    expect(await store.getContent('n1', 'email', 'email#0')).toEqual({
      subject: 'for CONTENT#email#0',
    });
    expect(await store.getContent('n1', 'email', 'email#1')).toEqual({
      subject: 'for CONTENT#email#1',
    });
    expect(keys).toEqual(['META', 'CONTENT#email#0', 'CONTENT#email#1']);
  });

  it('stays within its byte bound however many large notifications pass through', async () => {
    const { db } = fakeDb({ email: { subject: 'Big', html: 'y'.repeat(340_000) } });
    const store = new NotificationStore(db, 'herald');

    for (let i = 0; i < 60; i++) await store.getContent(`n${i}`, 'email');

    expect(contentCache.bytes).toBeLessThanOrEqual(CONTENT_CACHE_BYTES);
    expect(contentCache.size).toBeLessThan(60);
  });
});

describe('NotificationStore.getContent right after ingest', () => {
  beforeEach(() => contentCache.clear());

  it('reads again strongly consistent when the eventually consistent read misses', async () => {
    const reads: { ConsistentRead?: boolean }[] = [];
    const db = {
      // A replica that has not caught up with ingest: only a strongly consistent read sees it.
      send: async (command: { input: { ConsistentRead?: boolean } }) => {
        reads.push(command.input);
        return command.input.ConsistentRead ? { Item: { content: { sms: { text: 'hi' } } } } : {};
      },
    } as unknown as DynamoDBDocumentClient;
    const store = new NotificationStore(db, 'herald');

    expect(await store.getContent('n1', 'sms')).toEqual({ text: 'hi' });
    expect(reads.map((r) => r.ConsistentRead === true)).toEqual([false, true]);
    // Cached: the next delivery of the notification reads nothing.
    expect(await store.getContent('n1', 'sms')).toEqual({ text: 'hi' });
    expect(reads).toHaveLength(2);
  });
});
