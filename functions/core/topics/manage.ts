import type { RecipientStore } from '../recipients/ports';
import { recipientId } from '../recipients/validation';
import { mapWithConcurrency } from '../shared/concurrency';
import { InvalidRequestError, NotFoundError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import { MAX_SUBSCRIBE_IDS, type SubscribeResult, type Topic, topicKey } from './model';
import type { TopicStore } from './ports';

/** A topic key from a path: 400 naming `key` when it breaks the rules. */
export function parseTopicKey(raw: string): string {
  const errors: FieldError[] = [];
  const parsed = validateAt(topicKey, raw, ['key'], errors);
  if (!parsed) throw new InvalidRequestError(errors);
  return parsed.value;
}

/** PUT /v1/topics/{key}: creates the topic, or sets its name. */
export async function putTopic(
  store: TopicStore,
  tenantId: string,
  key: string,
  input: { name?: string },
  now: string,
) {
  const existing = await store.getTopic(tenantId, key);
  const topic: Topic = {
    tenantId,
    key,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    ...((input.name ?? existing?.name) !== undefined && { name: input.name ?? existing?.name }),
  };
  return store.putTopic(topic);
}

export async function requireTopic(store: TopicStore, tenantId: string, key: string) {
  const topic = await store.getTopic(tenantId, key);
  if (!topic) throw new NotFoundError(`Topic ${key} not found`);
  return topic;
}

/**
 * POST /v1/topics/{key}/subscribers: up to MAX_SUBSCRIBE_IDS ids, each answered alone. An id
 * that breaks the id rules, or names no recipient profile, is an error row, not a failed call;
 * the others are subscribed (again: subscribing twice keeps one subscription). The profiles are
 * read in one batch (0.5 read unit each) so a topic never gathers ids that name nobody.
 */
export async function subscribe(
  deps: { topics: TopicStore; recipients: RecipientStore },
  tenantId: string,
  key: string,
  ids: unknown,
  now: string,
): Promise<SubscribeResult[]> {
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_SUBSCRIBE_IDS) {
    throw new InvalidRequestError([
      { path: 'ids', message: `must be a list of 1 to ${MAX_SUBSCRIBE_IDS} recipient ids` },
    ]);
  }
  await requireTopic(deps.topics, tenantId, key);
  const results: SubscribeResult[] = [];
  const valid: string[] = [];
  ids.forEach((raw, at) => {
    const errors: FieldError[] = [];
    const id = validateAt(recipientId, raw, ['ids', at], errors);
    if (id) valid.push(id.value);
    else results.push({ id: typeof raw === 'string' ? raw : String(raw), status: 'error', errors });
  });
  const unique = [...new Set(valid)];
  const known = await deps.recipients.batchGet(tenantId, unique);
  const subscribed = unique.filter((id) => known.has(id));
  if (subscribed.length > 0) await deps.topics.subscribe(tenantId, key, subscribed, now);
  for (const id of unique) {
    if (known.has(id)) results.push({ id, status: 'subscribed' });
    else {
      const at = ids.indexOf(id);
      results.push({
        id,
        status: 'error',
        errors: [{ path: `ids[${at}]`, message: 'no recipient with this id' }],
      });
    }
  }
  return results;
}

/** DELETE /v1/topics/{key}/subscribers/{id}: 404 when the id was not subscribed. */
export async function unsubscribe(store: TopicStore, tenantId: string, key: string, id: string) {
  if (!(await store.unsubscribe(tenantId, key, id))) {
    throw new NotFoundError(`Recipient ${id} is not subscribed to topic ${key}`);
  }
}

/** A recipient's erase: out of every topic (called after the profile is gone). */
export async function unsubscribeEverywhere(store: TopicStore, tenantId: string, id: string) {
  const keys = await store.topicsOf(tenantId, id);
  await mapWithConcurrency(keys, 8, (key) => store.unsubscribe(tenantId, key, id));
  return keys.length;
}
