import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel, ContentByChannel } from '../../core/notifications/model';
import { contentKey, META, notificationKey } from './items';

/**
 * A least-recently-used cache bounded by bytes, not entries: notification content ranges from a
 * few bytes to hundreds of kilobytes, so a count bound says nothing about memory.
 */
export class ByteBoundedCache<V> {
  readonly #entries = new Map<string, { value: V; bytes: number }>();
  #bytes = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    // Re-inserting moves it to the end: the Map's order is the recency order.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` (of `bytes`), evicting the least recently used; larger than the cache: not kept. */
  set(key: string, value: V, bytes: number): void {
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#bytes -= old.bytes;
    }
    if (bytes > this.maxBytes) return;
    while (this.#bytes + bytes > this.maxBytes) {
      const [oldestKey, oldest] = this.#entries.entries().next().value as [
        string,
        { bytes: number },
      ];
      this.#entries.delete(oldestKey);
      this.#bytes -= oldest.bytes;
    }
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}

/**
 * A channel function's notification content, for the life of its container: only its own
 * channel's, bounded by bytes (a 256 MB function never holds more than this of content).
 */
export const CONTENT_CACHE_BYTES = 8 * 1024 * 1024;
export const contentCache = new ByteBoundedCache<unknown>(CONTENT_CACHE_BYTES);

/** Cached for a channel whose content is per delivery (a template rendered per recipient). */
const PERSONAL = { personal: true } as const;

/**
 * One channel's content of a notification, read with a projection and cached (content never
 * changes after ingest): one GetItem per notification and channel function, not per delivery.
 * The first read is eventually consistent (half the cost); a sender can run milliseconds after
 * ingest, before every replica has the item, so a miss is read again strongly consistent before
 * it is believed. A personalized channel's content is the delivery's own item (`CONTENT#<id>`),
 * one read per delivery, not cached (each is read once).
 */
export async function readContent<C extends Channel>(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
  channel: C,
  deliveryId?: string,
): Promise<ContentByChannel[C] | undefined> {
  const cacheKey = `${tableName}/${id}/${channel}`;
  const cached = contentCache.get(cacheKey);
  if (cached === PERSONAL) return readOwnContent(db, tableName, id, deliveryId);
  if (cached) return cached as ContentByChannel[C];
  const read = async (consistent: boolean): Promise<unknown> => {
    const answer = await db.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: notificationKey(id), sk: META },
        ProjectionExpression: '#content.#channel, personalized',
        ExpressionAttributeNames: { '#content': 'content', '#channel': channel },
        ...(consistent && { ConsistentRead: true }),
      }),
    );
    if ((answer.Item?.personalized as string[] | undefined)?.includes(channel)) return PERSONAL;
    return (answer.Item?.content as Record<string, unknown> | undefined)?.[channel];
  };
  const content = (await read(false)) ?? (await read(true));
  if (content === undefined) return undefined;
  contentCache.set(cacheKey, content, Buffer.byteLength(JSON.stringify(content)));
  if (content === PERSONAL) return readOwnContent(db, tableName, id, deliveryId);
  return content as ContentByChannel[C];
}

async function readOwnContent<C extends Channel>(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
  deliveryId: string | undefined,
): Promise<ContentByChannel[C] | undefined> {
  if (deliveryId === undefined) return undefined;
  const read = async (consistent: boolean) =>
    (
      await db.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: notificationKey(id), sk: contentKey(deliveryId) },
          ...(consistent && { ConsistentRead: true }),
        }),
      )
    ).Item?.content as ContentByChannel[C] | undefined;
  return (await read(false)) ?? (await read(true));
}
