import type { RateBuckets, Reservation } from './ports';

/**
 * Buckets that book several reservations of one key in one write: the slots follow each other in
 * the order asked, each granted only if its own start is within the horizon (so the result is the
 * same as asking one after another).
 */
export interface ManyRateBuckets {
  reserveMany(
    key: string,
    costsMs: readonly number[],
    horizonMs: number,
    now: number,
  ): Promise<Reservation[]>;
}

interface Waiting {
  costMs: number;
  resolve: (reservation: Reservation) => void;
  reject: (error: unknown) => void;
}

interface Group {
  key: string;
  horizonMs: number;
  waiting: Waiting[];
  /** A write of this group is in flight (what arrives meanwhile goes in the next one). */
  busy: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Books the records of one batch that go to the same sender with one write (a batch of 10 emails
 * for one SES account: one UpdateItem for 10 slots). Reservations of the same key and the same
 * horizon that arrive within `windowMs` of the first, or while that key's write is in flight, are
 * booked together; a key or a horizon of its own is never merged. Bucket keys hold the lane and, on
 * a sender shared by tenants, the tenant (a turn), and the high lane books with a horizon of its
 * own: so one write never books one lane's or one tenant's slot for another, and the high lane
 * still books ahead of a normal backlog.
 */
export class BatchedBuckets implements RateBuckets {
  readonly #groups = new Map<string, Group>();

  constructor(
    private readonly buckets: ManyRateBuckets,
    private readonly options: { windowMs: number; now?: () => number },
  ) {}

  reserve(key: string, costMs: number, horizonMs: number, _now: number): Promise<Reservation> {
    const id = `${key}\u0000${horizonMs}`;
    let group = this.#groups.get(id);
    if (!group) {
      group = { key, horizonMs, waiting: [], busy: false, timer: undefined };
      this.#groups.set(id, group);
    }
    const promise = new Promise<Reservation>((resolve, reject) => {
      group.waiting.push({ costMs, resolve, reject });
    });
    this.#schedule(id, group);
    return promise;
  }

  #schedule(id: string, group: Group): void {
    if (group.busy || group.timer !== undefined || group.waiting.length === 0) return;
    group.timer = setTimeout(() => {
      group.timer = undefined;
      void this.#flush(id, group);
    }, this.options.windowMs);
  }

  async #flush(id: string, group: Group): Promise<void> {
    const batch = group.waiting.splice(0);
    group.busy = true;
    try {
      const now = (this.options.now ?? Date.now)();
      const answers = await this.buckets.reserveMany(
        group.key,
        batch.map((w) => w.costMs),
        group.horizonMs,
        now,
      );
      batch.forEach((w, i) => {
        w.resolve(answers[i] ?? { granted: false, freeAt: now + w.costMs });
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    } finally {
      group.busy = false;
      if (group.waiting.length > 0) this.#schedule(id, group);
      else this.#groups.delete(id);
    }
  }
}

/**
 * The starts of the leading slots that begin by `limit` (epoch ms), booked one after another from
 * `from`: at least none, at most all.
 */
export function slotStarts(costsMs: readonly number[], from: number, limit: number): number[] {
  const starts: number[] = [];
  let at = from;
  for (const cost of costsMs) {
    if (at > limit) break;
    starts.push(at);
    at += cost;
  }
  return starts;
}
