import { SETTLE_PARALLEL } from '../notifications/ingest';
import type { DeliveryQueue } from '../notifications/ports';
import { releaseNotification } from '../notifications/release';
import { mapWithConcurrency } from '../shared/concurrency';
import type { DeadLetterDependencies, Decoded, Plan } from './inspect';
import type { DeadLetterSource } from './queues';

/** What a replay did (or, dry, would do) with one message. */
export interface ReplayDecision {
  messageId: string;
  source: DeadLetterSource;
  notificationId?: string;
  deliveryId?: string;
  /**
   * `replayed`: back on its work queue (its delivery re-opened when it had failed), or the
   * schedule's release re-run. `skipped`: nothing left to do (delivered, cancelled, gone), removed
   * from the DLQ. `kept`: left in the DLQ (a permanent failure without `includePermanent`, a body
   * that is not Herald's, or a write that lost a race).
   */
  action: 'replayed' | 'skipped' | 'kept';
  reason: string;
}

export interface ReplayResult {
  replayed: number;
  skipped: number;
  kept: number;
  /** Set when the whole queue went back through one SQS message move task. */
  moveTask?: string;
  /**
   * Set when the replay could not do what it set out to (the move task failed): what failed.
   * Every message it concerns is `kept`, its delivery as it was before the replay.
   */
  error?: string;
  decisions: ReplayDecision[];
}

export interface ReplayDependencies extends DeadLetterDependencies {
  queue: DeliveryQueue;
  now?: () => number;
}

/** The writes of one replay and the decisions they led to. */
export class ReplayRun {
  readonly #decisions: ReplayDecision[] = [];
  readonly #delete: string[] = [];
  readonly #release: string[] = [];
  #moveTask: string | undefined;
  #error: string | undefined;

  constructor(
    private readonly deps: ReplayDependencies,
    private readonly source: DeadLetterSource,
    /** A dry run deletes nothing: every message it looked at goes back. */
    private readonly dry = false,
  ) {}

  #now(): number {
    return (this.deps.now ?? Date.now)();
  }

  decide(decoded: Decoded, action: ReplayDecision['action'], reason: string): void {
    this.#record(decoded, action, reason);
    if (action === 'kept' || this.dry) this.#release.push(decoded.letter.receipt);
    else this.#delete.push(decoded.letter.receipt);
  }

  /** A decision, without deleting or releasing its message (the caller already did). */
  #record(decoded: Decoded, action: ReplayDecision['action'], reason: string): void {
    const decision: ReplayDecision = {
      messageId: decoded.letter.messageId,
      source: this.source,
      action,
      reason,
    };
    if (decoded.notificationId) decision.notificationId = decoded.notificationId;
    if (decoded.message) decision.deliveryId = decoded.message.deliveryId;
    this.#decisions.push(decision);
  }

  release(receipts: readonly string[]): void {
    this.#release.push(...receipts);
  }

  /** failed -> queued for every re-open plan; false where the delivery changed meanwhile. */
  reopen(plans: readonly Plan[]) {
    const reopens = plans.filter(
      (p): p is Extract<Plan, { kind: 'reopen' }> => p.kind === 'reopen',
    );
    return mapWithConcurrency(reopens, SETTLE_PARALLEL, async (p) => ({
      plan: p as Plan,
      ok: await this.deps.store.reopen(
        p.decoded.notificationId ?? '',
        p.record.deliveryId,
        this.#now(),
        p.priority,
      ),
    }));
  }

  /**
   * Every message qualifies: deliveries are re-opened, so SQS moves the whole queue back. The
   * re-opens come first (a moved message that found its delivery still `failed` would be skipped
   * by its channel function); when the move fails they are undone, and the messages stay.
   */
  async moveAll(plans: readonly Plan[]): Promise<ReplayResult> {
    const moving = plans.filter((p) => p.kind !== 'skip');
    for (const p of plans) if (p.kind === 'skip') this.decide(p.decoded, 'skipped', p.reason);
    await this.deps.dlq.delete(this.source, this.#delete.splice(0));
    // Back in view first: the move task only takes visible messages.
    await this.deps.dlq.release(this.source, [
      ...moving.map((p) => p.decoded.letter.receipt),
      ...this.#release.splice(0),
    ]);
    try {
      this.#moveTask = await this.deps.dlq.moveAll?.(this.source);
    } catch (error) {
      this.#error = error instanceof Error ? error.message : String(error);
      await this.#undoReopens(moving);
      for (const p of moving) {
        this.#record(p.decoded, 'kept', `the move task failed (${this.#error}); run it again`);
      }
      return this.finish(false);
    }
    for (const p of moving) {
      this.#record(
        p.decoded,
        'replayed',
        p.kind === 'reopen' ? `re-opened (failed, ${p.failure}); moved back` : 'moved back',
      );
    }
    return this.finish(false);
  }

  /** Re-opened deliveries whose message did not go back: failed again, as they were. */
  async #undoReopens(plans: readonly Plan[]): Promise<void> {
    await mapWithConcurrency(plans, SETTLE_PARALLEL, async (p) => {
      if (p.kind !== 'reopen') return;
      await this.deps.store.markFailed(
        p.record.notificationId,
        p.record.deliveryId,
        p.record.lastError ?? 'replay could not requeue it',
        this.#now(),
        ['queued'],
        p.failure,
      );
    });
  }

  async perMessage(plans: readonly Plan[], reopened: ReadonlySet<Plan>): Promise<void> {
    const sendable: Extract<Plan, { kind: 'reopen' | 'resend' }>[] = [];
    for (const p of plans) {
      if (p.kind === 'skip' || p.kind === 'keep') {
        this.decide(p.decoded, p.kind === 'skip' ? 'skipped' : 'kept', p.reason);
      } else if (p.kind === 'reopen' && !reopened.has(p)) {
        this.decide(
          p.decoded,
          'kept',
          'the delivery changed while replaying; run the replay again',
        );
      } else if (p.kind === 'release') {
        await this.#rerunRelease(p.decoded);
      } else {
        sendable.push(p);
      }
    }
    for (const priority of ['high', 'normal'] as const) {
      const batch = sendable.filter((p) => p.priority === priority);
      if (batch.length === 0) continue;
      const failures = await this.deps.queue.enqueue(
        batch.map((p) => p.record),
        priority,
      );
      // A delivery id repeats across notifications: a failure is the pair's.
      const key = (r: { notificationId: string; deliveryId: string }) =>
        `${r.notificationId}/${r.deliveryId}`;
      const failed = new Set(failures.map((f) => key(f.record)));
      await mapWithConcurrency(batch, SETTLE_PARALLEL, async (p) => {
        if (!failed.has(key(p.record))) {
          this.decide(
            p.decoded,
            'replayed',
            p.kind === 'reopen'
              ? `re-opened (failed, ${p.failure}) and requeued`
              : `requeued (${p.record.status})`,
          );
          return;
        }
        // Nothing may claim to be queued without a message: the re-open is undone.
        await this.#undoReopens([p]);
        this.decide(p.decoded, 'kept', 'could not be requeued; run the replay again');
      });
    }
  }

  async #rerunRelease(decoded: Decoded): Promise<void> {
    try {
      const result = await releaseNotification(
        { store: this.deps.store, queue: this.deps.queue },
        decoded.notificationId ?? '',
        this.#now(),
      );
      if (result.released > 0) this.decide(decoded, 'replayed', `released ${result.released}`);
      else this.decide(decoded, 'skipped', 'nothing left scheduled');
    } catch {
      this.decide(decoded, 'kept', 'the release failed again');
    }
  }

  async finish(settle = true): Promise<ReplayResult> {
    if (settle) {
      await this.deps.dlq.delete(this.source, this.#delete.splice(0));
      await this.deps.dlq.release(this.source, this.#release.splice(0));
    }
    const count = (action: ReplayDecision['action']) =>
      this.#decisions.filter((d) => d.action === action).length;
    return {
      replayed: count('replayed'),
      skipped: count('skipped'),
      kept: count('kept'),
      ...(this.#moveTask ? { moveTask: this.#moveTask } : {}),
      ...(this.#error ? { error: this.#error } : {}),
      decisions: this.#decisions,
    };
  }
}
