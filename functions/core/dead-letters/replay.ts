import { SETTLE_PARALLEL } from '../notifications/ingest';
import { mapWithConcurrency } from '../shared/concurrency';
import { collect, type DeadLetterFilter, NotificationCache, type Plan, plan } from './inspect';
import type { DeadLetterSource } from './queues';
import {
  type ReplayDecision,
  type ReplayDependencies,
  type ReplayResult,
  ReplayRun,
} from './replay-run';

export type { ReplayDecision, ReplayDependencies, ReplayResult } from './replay-run';

export interface ReplayOptions extends DeadLetterFilter {
  /** Re-open deliveries that failed permanently too, not only those whose retries ran out. */
  includePermanent?: boolean;
  /** Decide and report, change nothing. */
  dryRun?: boolean;
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
  const { matching, passed } = await collect(deps, source, options);
  const plans = await mapWithConcurrency(matching, SETTLE_PARALLEL, (decoded) =>
    plan(source, decoded, options, notifications),
  );
  const run = new ReplayRun(deps, source, options.dryRun === true);
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
    passed === 0 &&
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
