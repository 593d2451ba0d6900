import type { RunRecord } from './model';
import type { WorkflowEngine } from './ports';

/*
 * Cancelling runs: the run is marked cancelled only while no send of it is in progress (a send
 * marks itself first and refuses a cancelled run), so nothing is sent by a step after the answer;
 * a run waiting for a delivery is woken to end at once; deliveries of its sends that are still
 * queued or scheduled are cancelled as DELETE /v1/notifications/{id} would.
 */

export interface CancelRunsDependencies {
  runs: {
    getRun(runId: string): Promise<RunRecord | undefined>;
    cancelRun(runId: string): Promise<'cancelled' | 'busy' | 'notRunning'>;
    waiters(runId: string): Promise<{ sendStep: string; callbackId: string }[]>;
    deleteWaiter(runId: string, sendStep: string): Promise<void>;
  };
  engine: WorkflowEngine;
  /** Cancels what of a notification has not been sent yet (errors ignored: nothing left). */
  cancelNotification(notificationId: string, tenantId: string): Promise<void>;
  sleep?: (ms: number) => Promise<void>;
}

const BUSY_RETRY_MS = 50;
const BUSY_GIVE_UP_MS = 20_000;

/** Cancels each run of the tenant that is still running; the ids it cancelled. */
export async function cancelRuns(
  deps: CancelRunsDependencies,
  tenantId: string,
  runIds: readonly string[],
): Promise<string[]> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const cancelled: string[] = [];
  for (const runId of runIds) {
    const run = await deps.runs.getRun(runId);
    if (!run || run.tenantId !== tenantId) continue;
    let outcome = await deps.runs.cancelRun(runId);
    for (
      const started = Date.now();
      outcome === 'busy' && Date.now() - started < BUSY_GIVE_UP_MS;
    ) {
      await sleep(BUSY_RETRY_MS);
      outcome = await deps.runs.cancelRun(runId);
    }
    if (outcome !== 'cancelled') continue;
    cancelled.push(runId);
    for (const waiter of await deps.runs.waiters(runId)) {
      await deps.engine.completeCallback(waiter.callbackId, 'cancelled');
      await deps.runs.deleteWaiter(runId, waiter.sendStep);
    }
    const latest = (await deps.runs.getRun(runId)) ?? run;
    for (const step of Object.values(latest.steps)) {
      if (step.notificationId)
        await deps.cancelNotification(step.notificationId, tenantId).catch(() => undefined);
    }
  }
  return cancelled;
}
