import type { FauxqsServer } from 'fauxqs';

/*
 * The workflow trigger queue (triggers to a topic, issue 20), as deployed
 * (lib/constructs/workflows.ts): a queue and its DLQ in fauxqs, polled by the workflow trigger
 * function on the Lambda thread.
 */

/**
 * Subscribers per trigger page locally: small, so a test's few dozen make several pages
 * (HERALD_WORKFLOW_TRIGGER_PAGE_SIZE overrides it; deployed: 250).
 */
const LOCAL_PAGE_SIZE = 25;

/** Creates (or, from a data directory, finds) the queue and its DLQ; the functions' env. */
export function createWorkflowTriggerQueue(
  server: FauxqsServer,
  options: { region: string; endpoint: string; maxReceiveCount: number },
): Record<string, string> {
  const ensure = (name: string, attributes: Record<string, string>) => {
    const existing = server.inspectQueue(name);
    if (existing)
      return { queueUrl: `${options.endpoint}/000000000000/${name}`, queueArn: existing.arn };
    return server.createQueue(name, { region: options.region, attributes });
  };
  const dlq = ensure('herald-workflow-trigger-dlq', { MessageRetentionPeriod: '1209600' });
  const queue = ensure('herald-workflow-trigger', {
    // Longer than a page takes here; a page that dies is received again after it.
    VisibilityTimeout: '20',
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlq.queueArn,
      maxReceiveCount: options.maxReceiveCount,
    }),
  });
  return {
    WORKFLOW_TRIGGER_QUEUE_URL: queue.queueUrl,
    WORKFLOW_TRIGGER_PAGE_SIZE: String(
      Number(process.env.HERALD_WORKFLOW_TRIGGER_PAGE_SIZE) || LOCAL_PAGE_SIZE,
    ),
    // A checkpoint not moved for this long is re-sent by the reconciler (its timer: every 5 s).
    WORKFLOW_TRIGGER_STALL_SECONDS: '5',
  };
}

/** The workflow trigger function on the Lambda thread, polling its queue. */
export function workflowTriggerFunction(env: Record<string, string>, region: string) {
  const url = env.WORKFLOW_TRIGGER_QUEUE_URL;
  if (!url) return [];
  const name = url.slice(url.lastIndexOf('/') + 1);
  return [
    {
      name: 'workflow-trigger',
      lanes: [{ url, arn: `arn:aws:sqs:${region}:000000000000:${name}` }],
    },
  ];
}
