/**
 * Completion events this container has published or is publishing (their ids). A notification's
 * delivery items sit in several partitions (core/notifications/delivery-shards.ts), so their
 * stream records arrive in batches that run side by side, and each batch's completion check that
 * finds every delivery final makes the same `notification.completed` (same id). Events may
 * repeat, but not once per batch: the first batch here to take an id publishes it; a batch that
 * then fails gives it back (it comes again and publishes it then). Bounded: the oldest ids are
 * forgotten first.
 */
export class PublishedCompletions {
  readonly #ids = new Set<string>();

  constructor(private readonly max = 10_000) {}

  /** True when the caller should publish `id` (no batch here has or is publishing it). */
  take(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    for (const oldest of this.#ids) {
      if (this.#ids.size <= this.max) break;
      this.#ids.delete(oldest);
    }
    return true;
  }

  /** A batch that failed gives back what it took: when it comes again it publishes them. */
  giveBack(ids: Iterable<string>): void {
    for (const id of ids) this.#ids.delete(id);
  }
}

/** Publishes with the completions among `events` taken first and given back on a failure. */
export async function withCompletionsTaken<E extends { id: string; type: string }>(
  published: PublishedCompletions | undefined,
  events: E[],
  publish: (events: E[]) => Promise<void>,
): Promise<E[]> {
  const kept = events.filter(
    (e) => e.type !== 'notification.completed' || !published || published.take(e.id),
  );
  if (kept.length === 0) return kept;
  try {
    await publish(kept);
  } catch (error) {
    published?.giveBack(kept.filter((e) => e.type === 'notification.completed').map((e) => e.id));
    throw error;
  }
  return kept;
}
