import type { RecipientProfile } from '../../core/recipients/model';
import type { RecipientStore } from '../../core/recipients/ports';

/** Profiles one request has already read, by id (ids read and found nothing: absent). */
export interface PrefetchedProfiles {
  tenantId: string;
  ids: ReadonlySet<string>;
  profiles: Map<string, RecipientProfile>;
}

/**
 * `store`, whose `batchGet` answers the ids of `prefetched` from it instead of reading them again:
 * a template send to recipient ids reads their profiles once, renders each recipient with them,
 * and resolves their addresses from the same read (it used to read the 1,000 profiles twice: 10
 * more BatchGetItem calls). Every other method, and any id not prefetched, goes to `store`.
 */
export function withPrefetched(
  store: RecipientStore,
  prefetched: PrefetchedProfiles | undefined,
): RecipientStore {
  if (!prefetched) return store;
  const batchGet: RecipientStore['batchGet'] = async (tenantId, ids) => {
    if (tenantId !== prefetched.tenantId) return store.batchGet(tenantId, ids);
    const found = new Map<string, RecipientProfile>();
    const missing: string[] = [];
    for (const id of ids) {
      if (!prefetched.ids.has(id)) missing.push(id);
      else {
        const profile = prefetched.profiles.get(id);
        if (profile) found.set(id, profile);
      }
    }
    if (missing.length > 0)
      for (const [id, profile] of await store.batchGet(tenantId, missing)) found.set(id, profile);
    return found;
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'batchGet') return batchGet;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
