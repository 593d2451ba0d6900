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
