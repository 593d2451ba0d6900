import { LambdaClient } from '@aws-sdk/client-lambda';
import { NotificationStore } from '../adapters/dynamodb/notification-store';
import { DynamoWorkflowStore } from '../adapters/dynamodb/workflow-store';
import { LambdaDurableEngine } from '../adapters/lambda/durable-engine';
import type { DeliveryChange } from '../core/events/model';
import type { NotificationRepository } from '../core/notifications/ports';
import type { WorkflowEngine } from '../core/workflows/ports';
import { dynamo } from './aws-clients';
import { traced } from './tracing';
import { settleWaiter } from './workflow-effects';

/*
 * Escalation on feedback, not timers: the events function hands every recorded delivery change
 * here; a change of a delivery a workflow run waits on (its notification carries the run and the
 * send step in its metadata) completes the run's callback as soon as the deliveries decide the
 * wait. Changes of other deliveries cost nothing (no read).
 */

export interface BridgeDependencies {
  runs: DynamoWorkflowStore;
  notifications: Pick<NotificationRepository, 'get'>;
  engine: WorkflowEngine;
}

/** The runs woken (for metrics). */
export async function wakeWaitingRuns(
  deps: BridgeDependencies,
  changes: readonly DeliveryChange[],
): Promise<number> {
  const watched = new Map<string, { runId: string; sendStep: string }>();
  for (const { before, after } of changes) {
    const runId = after?.metadata.workflowRunId;
    const sendStep = after?.metadata.workflowStep;
    if (!runId || !sendStep || after.status === before?.status) continue;
    watched.set(`${runId}\u0000${sendStep}`, { runId, sendStep });
  }
  let woken = 0;
  for (const { runId, sendStep } of watched.values()) {
    for (const waiter of await deps.runs.waiters(runId, sendStep)) {
      if (await settleWaiter(deps, waiter)) woken++;
    }
  }
  return woken;
}

/** The bridge as the events function uses it: stores and the Lambda client built on first use. */
export function workflowBridge(
  tableName: string,
): (changes: readonly DeliveryChange[]) => Promise<number> {
  let deps: BridgeDependencies | undefined;
  return (changes) => {
    deps ??= {
      runs: new DynamoWorkflowStore(dynamo, tableName),
      notifications: new NotificationStore(dynamo, tableName),
      engine: new LambdaDurableEngine(traced(new LambdaClient({})), ''),
    };
    return wakeWaitingRuns(deps, changes);
  };
}
