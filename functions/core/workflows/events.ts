import { eventId, type WorkflowEvent, type WorkflowEventType } from '../events/model';
import type { RunRecord } from './model';

/*
 * Workflow events from a run's recorded changes (the table's stream, like delivery events): the
 * run's creation and each status change, and each step record written or rewritten. The same
 * change always yields the same event id.
 */

/** The events one write of a run item makes. */
export function workflowEventsOf(
  before: RunRecord | undefined,
  after: RunRecord | undefined,
): WorkflowEvent[] {
  if (!after) return [];
  const base = {
    tenantId: after.tenantId,
    runId: after.id,
    workflowKey: after.workflowKey,
    version: after.version,
    recipientId: after.recipient.id,
    status: after.status,
  };
  const events: WorkflowEvent[] = [];
  if (!before) {
    events.push({
      id: eventId(after.id, 'run', 'started'),
      type: 'workflow.run.started',
      occurredAt: after.createdAt,
      ...base,
    });
  } else if (before.status !== after.status && after.status !== 'running') {
    events.push({
      id: eventId(after.id, 'run', after.status),
      type: `workflow.run.${after.status}` as WorkflowEventType,
      occurredAt: after.updatedAt,
      ...base,
      ...(after.reason !== undefined && { reason: after.reason }),
    });
  }
  for (const step of Object.values(after.steps ?? {})) {
    const previous = before?.steps?.[step.id];
    if (previous && previous.decision === step.decision && previous.at === step.at) continue;
    const { deliveries: _d, ...summary } = step;
    events.push({
      id: eventId(after.id, 'step', step.id, step.decision, step.at),
      type: step.decision === 'failed' ? 'workflow.step.failed' : 'workflow.step.completed',
      occurredAt: step.at,
      ...base,
      step: summary,
    });
  }
  return events;
}
