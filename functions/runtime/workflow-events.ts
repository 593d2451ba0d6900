import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { HeraldEvent } from '../core/events/model';
import type { EventTopic } from '../core/events/ports';
import { type PublishEventsDependencies, webhookMessages } from '../core/publishing/publish-events';
import { workflowEventsOf } from '../core/workflows/events';
import type { RunRecord } from '../core/workflows/model';

/*
 * The events function's second consumer of the stream: a run item's recorded changes become
 * workflow.run.* and workflow.step.* events on the same topic and webhooks as delivery events.
 */

interface StreamRecord {
  dynamodb?: { OldImage?: Record<string, unknown>; NewImage?: Record<string, unknown> };
}

function runOf(image: Record<string, unknown> | undefined): RunRecord | undefined {
  if (!image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>);
  if (typeof item.pk !== 'string' || !item.pk.startsWith('WFRUN#') || item.sk !== 'RUN')
    return undefined;
  return item as RunRecord;
}

/** Publishes the workflow events of a stream batch; how many. A failure throws (the batch comes again). */
export async function publishWorkflowEvents(
  deps: Pick<PublishEventsDependencies, 'webhooks' | 'webhookQueue'> & { topic: EventTopic },
  records: readonly StreamRecord[],
): Promise<number> {
  const events: HeraldEvent[] = records.flatMap((r) =>
    workflowEventsOf(runOf(r.dynamodb?.OldImage), runOf(r.dynamodb?.NewImage)),
  );
  if (events.length === 0) return 0;
  await deps.topic.publish(events);
  await deps.webhookQueue.enqueue(await webhookMessages(deps, events));
  return events.length;
}
