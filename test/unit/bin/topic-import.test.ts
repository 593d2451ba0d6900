import { describe, expect, it } from 'vitest';
import { addSubscribers, parseIds } from '../../../bin/topic-import';

// `npm run topics -- add <key> <file>`: the file's ids, in calls of 1,000, the topic created first.

describe('topics CLI › parseIds', () => {
  it('reads one id a line or a JSON array', () => {
    expect(parseIds('a\r\nb\n\n c \n')).toEqual(['a', 'b', 'c']);
    expect(parseIds('["x","y"]')).toEqual(['x', 'y']);
    expect(() => parseIds('[1]')).toThrow('array of recipient ids');
  });
});

describe('topics CLI › addSubscribers', () => {
  it('creates a missing topic, sends 1,000 ids a call and reports refused ids', async () => {
    const calls: { method: string; url: string; ids?: string[] }[] = [];
    const fake = (async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const ids = init?.body
        ? (JSON.parse(String(init.body)).ids as string[] | undefined)
        : undefined;
      calls.push({ method, url, ...(ids && { ids }) });
      if (method === 'GET') return new Response('{}', { status: 404 });
      if (method === 'PUT') return new Response('{}', { status: 201 });
      const results = (ids ?? []).map((id) =>
        id === 'ghost'
          ? {
              id,
              status: 'error',
              errors: [{ path: 'ids[0]', message: 'no recipient with this id' }],
            }
          : { id, status: 'subscribed' },
      );
      return new Response(JSON.stringify({ results }), { status: 200 });
    }) as typeof fetch;
    const ids = [...Array.from({ length: 2_499 }, (_, i) => `r${i}`), 'ghost'];
    const result = await addSubscribers({ url: 'http://api', key: 'k' }, 'plan-x', ids, {
      fetch: fake,
    });
    expect(result).toEqual({
      subscribed: 2_499,
      refused: [{ id: 'ghost', message: 'no recipient with this id' }],
    });
    expect(calls.map((c) => c.method)).toEqual(['GET', 'PUT', 'POST', 'POST', 'POST']);
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.ids?.length)).toEqual([
      1000, 1000, 500,
    ]);
    expect(calls[1]?.url).toBe('http://api/v1/topics/plan-x');
  });
});
