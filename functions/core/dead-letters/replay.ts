import { SETTLE_PARALLEL } from '../notifications/ingest';
import type { DeliveryQueue } from '../notifications/ports';
import { releaseNotification } from '../notifications/release';
import { mapWithConcurrency } from '../shared/concurrency';
import {
  collect,
  type DeadLetterDependencies,
  type DeadLetterFilter,
  type Decoded,
  NotificationCache,
  type Plan,
  plan,
} from './inspect';
import type { DeadLetterSource } from './queues';

export interface ReplayOptions extends DeadLetterFilter {
  /** Re-open deliveries that failed permanently too, not only those whose retries ran out. */
  includePermanent?: boolean;
  /** Decide and report, change nothing. */
  dryRun?: boolean;
}

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
  decisions: ReplayDecision[];
}

export interface ReplayDependencies extends DeadLetterDependencies {
  queue: DeliveryQueue;
  now?: () => number;
}

/**
 * Replays one DLQ. Each matching message is decided from its delivery's recorded state: a
 * delivery whose retries ran out is re-opened (failed -> queued, conditional) and gets a fresh
 * message, which brings a fresh attempt budget; a permanent failure only with `includePermanent`;
 * a delivery still in flight gets a fresh message (its claim is conditional, so a duplicate is
 * harmless); a delivered, sent or cancelled one is skipped and its message removed. A schedule
 * DLQ message re-runs its notification's release. The DLQ message is deleted only after its
 * replacement is on the work queue, so a crash can only leave a message that the next replay
 * finds resolved. Running it twice therefore changes nothing the second time.
 */
export async function replayDeadLetters(
  deps: ReplayDependencies,
  source: DeadLetterSource,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const notifications = new NotificationCache(deps.store);
  const { matching, others } = await collect(deps, source, options, notifications);
  const plans = await mapWithConcurrency(matching, SETTLE_PARALLEL, (decoded) =>
    plan(source, decoded, options, notifications),
  );
  const run = new ReplayRun(deps, source, options.dryRun === true);
  run.release(others.map((letter) => letter.receipt));
  if (options.dryRun) {
    for (const p of plans) run.decide(p.decoded, dryAction(p), dryReason(p));
    return run.finish();
  }
  const whole =
    deps.dlq.moveAll !== undefined &&
    source !== 'schedule' &&
    options.tenantId === undefined &&
    options.notificationId === undefined &&
    options.since === undefined &&
    options.limit === undefined &&
    others.length === 0 &&
    plans.every((p) => p.kind !== 'keep');
  const reopened = await run.reopen(plans);
  if (whole && reopened.every((r) => r.ok) && plans.length > 0) {
    return run.moveAll(plans);
  }
  await run.perMessage(plans, new Set(reopened.filter((r) => r.ok).map((r) => r.plan)));
  return run.finish();
}

function dryAction(p: Plan): ReplayDecision['action'] {
  if (p.kind === 'skip') return 'skipped';
  if (p.kind === 'keep') return 'kept';
  return 'replayed';
}

function dryReason(p: Plan): string {
  switch (p.kind) {
    case 'reopen':
      return `would re-open (failed, ${p.failure}) and requeue`;
    case 'resend':
      return `would requeue (${p.record.status})`;
    case 'release':
      return 'would re-run the release';
    default:
      return p.reason;
  }
}

/** The writes of one replay and the decisions they led to. */
class ReplayRun {
  readonly #decisions: ReplayDecision[] = [];
  readonly #delete: string[] = [];
  readonly #release: string[] = [];
  #moveTask: string | undefined;

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
    const decision: ReplayDecision = {
      messageId: decoded.letter.messageId,
      source: this.source,
      action,
      reason,
    };
    if (decoded.notificationId) decision.notificationId = decoded.notificationId;
    if (decoded.message) decision.deliveryId = decoded.message.deliveryId;
    this.#decisions.push(decision);
    if (action === 'kept' || this.dry) this.#release.push(decoded.letter.receipt);
    else this.#delete.push(decoded.letter.receipt);
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
      ),
    }));
  }

  /** Every message qualifies: deliveries are re-opened, so SQS moves the whole queue back. */
  async moveAll(plans: readonly Plan[]): Promise<ReplayResult> {
    const back: string[] = [];
    for (const p of plans) {
      if (p.kind === 'skip') this.decide(p.decoded, 'skipped', p.reason);
      else {
        back.push(p.decoded.letter.receipt);
        this.#decisions.push({
          messageId: p.decoded.letter.messageId,
          source: this.source,
          action: 'replayed',
          reason:
            p.kind === 'reopen' ? `re-opened (failed, ${p.failure}); moved back` : 'moved back',
          ...(p.decoded.notificationId ? { notificationId: p.decoded.notificationId } : {}),
          ...(p.decoded.message ? { deliveryId: p.decoded.message.deliveryId } : {}),
        });
      }
    }
    await this.deps.dlq.delete(this.source, this.#delete.splice(0));
    // Back in view first: the move task only takes visible messages.
    await this.deps.dlq.release(this.source, [...back, ...this.#release.splice(0)]);
    this.#moveTask = await this.deps.dlq.moveAll?.(this.source);
    return this.finish(false);
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
        if (p.kind === 'reopen') {
          await this.deps.store.markFailed(
            p.record.notificationId,
            p.record.deliveryId,
            p.record.lastError ?? 'replay could not requeue it',
            this.#now(),
            ['queued'],
            p.failure,
          );
        }
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
      decisions: this.#decisions,
    };
  }
}
