import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel, ContentByChannel } from '../../core/notifications/model';
import { META, notificationKey } from './items';

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

/**
 * One channel's content of a notification, read with a projection and cached (content never
 * changes after ingest): one GetItem per notification and channel function, not per delivery.
 * The first read is eventually consistent (half the cost); a sender can run milliseconds after
 * ingest, before every replica has the item, so a miss is read again strongly consistent before
 * it is believed.
 */
export async function readContent<C extends Channel>(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
  channel: C,
): Promise<ContentByChannel[C] | undefined> {
  const cacheKey = `${tableName}/${id}/${channel}`;
  const cached = contentCache.get(cacheKey) as ContentByChannel[C] | undefined;
  if (cached) return cached;
  const read = async (consistent: boolean) => {
    const answer = await db.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: notificationKey(id), sk: META },
        ProjectionExpression: '#content.#channel',
        ExpressionAttributeNames: { '#content': 'content', '#channel': channel },
        ...(consistent && { ConsistentRead: true }),
      }),
    );
    return (answer.Item?.content as Record<string, unknown> | undefined)?.[channel] as
      | ContentByChannel[C]
      | undefined;
  };
  const content = (await read(false)) ?? (await read(true));
  if (content === undefined) return undefined;
  contentCache.set(cacheKey, content, Buffer.byteLength(JSON.stringify(content)));
  return content;
}
