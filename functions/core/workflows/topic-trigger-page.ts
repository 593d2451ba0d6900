import { mapWithConcurrency } from '../shared/concurrency';
import type { Page } from '../topics/ports';
import { type CancelRunsDependencies, cancelRuns } from './cancel';
import type { RunRecord } from './model';
import type { WorkflowEngine, WorkflowRepository } from './ports';
import {
  type TopicTriggerMessage,
  type TopicTriggerQueue,
  type TopicTriggerStore,
  topicRunIdOf,
} from './topic-trigger';

/*
 * The trigger stage: one message = one page of a topic's subscribers. Each subscriber's run is
 * created under an id derived from (trigger, subscriber) by a conditional create, then, if the
 * trigger is still running, every run of the page is started (the engine's execution is named by
 * the run id: a second start is the same execution), and only then is the checkpoint moved past
 * the page (conditional on it still naming this page). A crash or a redelivered copy anywhere in
 * between re-runs the page: the creates find the runs already there, the starts find the
 * executions. So every subscriber gets one run, however often a page is re-run.
 *
 * Cancel (by cancellationKey) marks the trigger first, then cancels the runs listed under the
 * key. A page that created its runs before the mark has them cancelled by that; one that created
 * them after sees the mark on its second read and cancels them itself, starting none. Pages not
 * yet begun do nothing.
 */

export interface TopicTriggerPageDependencies {
  triggers: TopicTriggerStore;
  queue: TopicTriggerQueue;
  /** The topics store's subscriber paging (read only). */
  subscribers(
    tenantId: string,
    topic: string,
    options: { cursor?: string; limit: number },
  ): Promise<Page<string>>;
  runs: WorkflowRepository;
  engine: WorkflowEngine;
  cancel: CancelRunsDependencies;
  /** Subscribers per page. */
  pageSize: number;
  /** A checkpoint that has not moved for this long counts as stalled (the reconciler re-sends it). */
  stallAfterMs: number;
  /** Runs created and started at once within a page. */
  concurrency?: number;
  now?: () => number;
}

export type TopicTriggerOutcome =
  | { outcome: 'page'; page: number; subscribers: number; created: number; done: boolean }
  | { outcome: 'missing' | 'finished' | 'cancelled' | 'stale' | 'lost-race' };

/** Handles one trigger message. Throws (to be retried) when a write or a start failed. */
export async function topicTriggerPage(
  deps: TopicTriggerPageDependencies,
  message: TopicTriggerMessage,
): Promise<TopicTriggerOutcome> {
  const clock = deps.now ?? Date.now;
  const state = await deps.triggers.get(message.triggerId);
  if (!state) return { outcome: 'missing' };
  if (state.status === 'cancelled') return { outcome: 'cancelled' };
  if (state.status === 'done') return { outcome: 'finished' };
  if (message.page !== state.page) {
    // A copy of a page already done: the message for the next one may never have gone out.
    if (message.page === state.page - 1)
      await deps.queue.send({ triggerId: state.id, page: state.page });
    return { outcome: 'stale' };
  }
  const listing = await deps.subscribers(state.tenantId, state.topic, {
    ...(state.cursor !== undefined && { cursor: state.cursor }),
    limit: deps.pageSize,
  });
  const at = new Date(clock()).toISOString();
  const concurrency = deps.concurrency ?? 16;
  const found = await deps.runs.createRuns(
    listing.items.map(
      (recipientId): RunRecord => ({
        id: topicRunIdOf(state.id, recipientId),
        tenantId: state.tenantId,
        workflowKey: state.workflowKey,
        version: state.version,
        recipient: { id: recipientId },
        data: state.data,
        status: 'running',
        createdAt: at,
        updatedAt: at,
        steps: {},
        triggerId: state.id,
        ...(state.cancellationKey !== undefined && { cancellationKey: state.cancellationKey }),
        ...(state.idempotencyKey !== undefined && { idempotencyKey: state.idempotencyKey }),
      }),
    ),
  );
  const created = found.filter((f) => f.created).length;

  // A cancel that came while the runs were written: they are cancelled here, none started.
  const current = await deps.triggers.get(state.id);
  if (current?.status === 'cancelled') {
    await cancelRuns(
      deps.cancel,
      state.tenantId,
      found.map((f) => f.run.id),
    );
    return { outcome: 'cancelled' };
  }
  // Another copy of this page moved the checkpoint meanwhile: it started these runs first.
  if (current?.status !== 'running' || current.page !== state.page) return { outcome: 'lost-race' };
  // Started again even when found: a start lost after an earlier copy's write is made good.
  await mapWithConcurrency(found, concurrency, async ({ run }) => {
    if (run.status === 'running') await deps.engine.start(run.id, { runId: run.id });
  });
  const done = listing.nextCursor === undefined;
  const moved = await deps.triggers.checkpoint(
    state.id,
    state.page,
    {
      ...(listing.nextCursor !== undefined && { cursor: listing.nextCursor }),
      done,
      now: new Date(clock()).toISOString(),
      stallAt: clock() + deps.stallAfterMs,
    },
    { subscribers: listing.items.length, started: found.length },
  );
  if (!moved) return { outcome: 'lost-race' };
  if (!done) await deps.queue.send({ triggerId: state.id, page: state.page + 1 });
  return {
    outcome: 'page',
    page: state.page,
    subscribers: listing.items.length,
    created,
    done,
  };
}

/**
 * DELETE /v1/workflow-runs?cancellationKey=: the triggers to topics under the key first (no page
 * starts a run after this), then every run listed under it.
 */
export async function cancelByKey(
  deps: { triggers: TopicTriggerStore; cancel: CancelRunsDependencies },
  input: {
    tenantId: string;
    cancellationKey: string;
    runsByKey: () => Promise<string[]>;
    now: number;
  },
): Promise<{ cancelled: string[]; triggers: string[] }> {
  const triggers = await deps.triggers.cancelByKey(
    input.tenantId,
    input.cancellationKey,
    new Date(input.now).toISOString(),
  );
  const cancelled = await cancelRuns(deps.cancel, input.tenantId, await input.runsByKey());
  return { cancelled, triggers };
}

/**
 * The reconciler's part: a running trigger whose checkpoint stopped moving (its first message
 * lost after the trigger was recorded, a page gone to the DLQ) gets its page sent again; the
 * stall time is pushed out first, so a slow page is not sent on every run.
 */
export async function resumeStalledTriggers(
  deps: Pick<TopicTriggerPageDependencies, 'triggers' | 'queue' | 'stallAfterMs'>,
  now: number,
  limit = 100,
): Promise<string[]> {
  const resumed: string[] = [];
  for (const id of await deps.triggers.stalled(now, limit)) {
    const state = await deps.triggers.get(id);
    if (state?.status !== 'running') continue;
    await deps.triggers.touch(id, now + deps.stallAfterMs);
    await deps.queue.send({ triggerId: id, page: state.page });
    resumed.push(id);
  }
  return resumed;
}
