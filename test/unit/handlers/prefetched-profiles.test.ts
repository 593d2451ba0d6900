import { describe, expect, it } from 'vitest';
import type { RecipientProfile } from '../../../functions/core/recipients/model';
import type { RecipientStore } from '../../../functions/core/recipients/ports';
import { withPrefetched } from '../../../functions/handlers/api/prefetched-profiles';

const profile = (id: string) =>
  ({ id, emails: [`${id}@example.com`] }) as unknown as RecipientProfile;

/** A store that records the ids each batchGet read. */
function countingStore() {
  const reads: string[][] = [];
  const store = {
    tag: 'store',
    async batchGet(_tenantId: string, ids: readonly string[]) {
      reads.push([...ids]);
      return new Map(ids.filter((id) => id !== 'nobody').map((id) => [id, profile(id)]));
    },
    async get(_tenantId: string, id: string) {
      return profile(id);
    },
  } as unknown as RecipientStore & { tag: string };
  return { store, reads };
}

describe('profiles prefetched by a template send', () => {
  it('answer the ids already read without reading them again, and read only the others', async () => {
    const { store, reads } = countingStore();
    const prefetched = {
      tenantId: 't1',
      ids: new Set(['a', 'b', 'nobody']),
      profiles: new Map([
        ['a', profile('a')],
        ['b', profile('b')],
      ]),
    };
    const wrapped = withPrefetched(store, prefetched);
    const found = await wrapped.batchGet('t1', ['a', 'b', 'nobody']);
    expect([...found.keys()]).toEqual(['a', 'b']);
    expect(reads).toEqual([]);
    // An id not prefetched is read; another tenant's ids are never answered from the prefetch.
    expect([...(await wrapped.batchGet('t1', ['a', 'c'])).keys()].sort()).toEqual(['a', 'c']);
    expect([...(await wrapped.batchGet('t2', ['a'])).keys()]).toEqual(['a']);
    expect(reads).toEqual([['c'], ['a']]);
    // Everything else is the store's own.
    expect((await wrapped.get('t1', 'z'))?.id).toBe('z');
    expect((wrapped as typeof store).tag).toBe('store');
    expect(withPrefetched(store, undefined)).toBe(store);
  });
});
