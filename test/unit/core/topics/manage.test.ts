import { describe, expect, it } from 'vitest';
import type { RecipientProfile } from '../../../../functions/core/recipients/model';
import type { RecipientStore } from '../../../../functions/core/recipients/ports';
import { InvalidRequestError, NotFoundError } from '../../../../functions/core/shared/errors';
import {
  parseTopicKey,
  subscribe,
  unsubscribeEverywhere,
} from '../../../../functions/core/topics/manage';
import type { Topic } from '../../../../functions/core/topics/model';
import type { TopicStore } from '../../../../functions/core/topics/ports';

/** Topics in memory: subscriptions as a set per topic. */
function memoryTopics(): TopicStore & { subs: Map<string, Set<string>> } {
  const topics = new Map<string, Topic>();
  const subs = new Map<string, Set<string>>();
  return {
    subs,
    async putTopic(topic) {
      const created = !topics.has(topic.key);
      topics.set(topic.key, topic);
      subs.set(topic.key, subs.get(topic.key) ?? new Set());
      return { created, topic };
    },
    getTopic: async (_t, key) => topics.get(key),
    listTopics: async () => ({ items: [...topics.values()] }),
    async subscribe(_t, key, ids) {
      for (const id of ids) subs.get(key)?.add(id);
    },
    unsubscribe: async (_t, key, id) => subs.get(key)?.delete(id) ?? false,
    subscribers: async (_t, key) => ({ items: [...(subs.get(key) ?? [])] }),
    topicsOf: async (_t, id) => [...subs].filter(([, s]) => s.has(id)).map(([k]) => k),
  };
}

const profiles = (ids: string[]): RecipientStore =>
  ({
    batchGet: async (_t: string, wanted: readonly string[]) =>
      new Map(
        wanted.filter((id) => ids.includes(id)).map((id) => [id, { id } as RecipientProfile]),
      ),
  }) as unknown as RecipientStore;

const now = '2026-12-06T00:00:00.000Z';

describe('topics › parseTopicKey', () => {
  it('takes letters, digits and _ . - up to 64 characters', () => {
    expect(parseTopicKey('plan-x.v2_eu')).toBe('plan-x.v2_eu');
    expect(parseTopicKey('a'.repeat(64))).toHaveLength(64);
  });
  it.each(['', '-x', 'a b', 'a#b', 'a/b', 'é', 'a'.repeat(65)])('refuses %j at `key`', (key) => {
    try {
      parseTopicKey(key);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).errors[0]?.path).toBe('key');
    }
  });
});

describe('topics › subscribe', () => {
  it('subscribes known ids and answers each unknown or malformed one with its path', async () => {
    const topics = memoryTopics();
    await topics.putTopic({ tenantId: 't', key: 'k', createdAt: now, updatedAt: now });
    const results = await subscribe(
      { topics, recipients: profiles(['a', 'b']) },
      't',
      'k',
      ['a', 'ghost', 'b', 'not valid', 'a'],
      now,
    );
    expect(results).toEqual([
      { id: 'not valid', status: 'error', errors: [expect.objectContaining({ path: 'ids[3]' })] },
      { id: 'a', status: 'subscribed' },
      {
        id: 'ghost',
        status: 'error',
        errors: [{ path: 'ids[1]', message: 'no recipient with this id' }],
      },
      { id: 'b', status: 'subscribed' },
    ]);
    expect([...(topics.subs.get('k') ?? [])].sort()).toEqual(['a', 'b']);
  });

  it('is a 404 for a topic that does not exist and a 400 for more than 1,000 ids', async () => {
    const deps = { topics: memoryTopics(), recipients: profiles([]) };
    await expect(subscribe(deps, 't', 'nope', ['a'], now)).rejects.toBeInstanceOf(NotFoundError);
    const many = Array.from({ length: 1001 }, (_, n) => `r${n}`);
    await expect(subscribe(deps, 't', 'nope', many, now)).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });
});

describe('topics › unsubscribeEverywhere', () => {
  it('takes a recipient out of every topic it is in, and only that recipient', async () => {
    const topics = memoryTopics();
    for (const key of ['x', 'y', 'z']) {
      await topics.putTopic({ tenantId: 't', key, createdAt: now, updatedAt: now });
    }
    await topics.subscribe('t', 'x', ['gone', 'stays'], now);
    await topics.subscribe('t', 'y', ['gone'], now);
    expect(await unsubscribeEverywhere(topics, 't', 'gone')).toBe(2);
    expect(await topics.topicsOf('t', 'gone')).toEqual([]);
    expect(await topics.topicsOf('t', 'stays')).toEqual(['x']);
  });
});
