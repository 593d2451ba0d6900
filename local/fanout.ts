import type { FauxqsServer } from 'fauxqs';

/*
 * The fan-out queue of topic sends (issue 21), as deployed (lib/constructs/topics.ts): a queue
 * and its DLQ in fauxqs, polled by the fan-out function on the Lambda thread.
 */

/**
 * Subscribers per fan-out page locally: small, so a test's few hundred make several pages
 * (HERALD_FANOUT_PAGE_SIZE overrides it: the bench uses the deployed 1,000).
 */
const LOCAL_PAGE_SIZE = 100;
/**
 * A checkpoint not moved for this long is re-sent by the reconciler (its timer runs every 5 s);
 * HERALD_FANOUT_STALL_SECONDS overrides it (pages of 1,000 take longer than 5 s here).
 */
const LOCAL_STALL_SECONDS = 5;

export interface LocalFanoutQueue {
  url: string;
  arn: string;
  /** What the api, fan-out and reconcile functions read. */
  env: Record<string, string>;
}

/** Creates (or, from a data directory, finds) the queue and its DLQ. */
export function createFanoutQueue(
  server: FauxqsServer,
  options: { region: string; endpoint: string; maxReceiveCount: number; pageSize?: number },
): LocalFanoutQueue {
  const ensure = (name: string, attributes: Record<string, string>) => {
    const existing = server.inspectQueue(name);
    if (existing)
      return { queueUrl: `${options.endpoint}/000000000000/${name}`, queueArn: existing.arn };
    return server.createQueue(name, { region: options.region, attributes });
  };
  const dlq = ensure('herald-fan-out-dlq', { MessageRetentionPeriod: '1209600' });
  const queue = ensure('herald-fan-out', {
    // Longer than a page takes here; a page that dies is received again after it.
    VisibilityTimeout: '20',
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlq.queueArn,
      maxReceiveCount: options.maxReceiveCount,
    }),
  });
  return {
    url: queue.queueUrl,
    arn: queue.queueArn,
    env: {
      FANOUT_QUEUE_URL: queue.queueUrl,
      FANOUT_PAGE_SIZE: String(
        options.pageSize ?? (Number(process.env.HERALD_FANOUT_PAGE_SIZE) || LOCAL_PAGE_SIZE),
      ),
      FANOUT_STALL_SECONDS: String(
        Number(process.env.HERALD_FANOUT_STALL_SECONDS) || LOCAL_STALL_SECONDS,
      ),
    },
  };
}

/** The fan-out function on the Lambda thread, polling its queue. */
export function fanoutFunction(env: Record<string, string>, region: string) {
  const url = env.FANOUT_QUEUE_URL;
  if (!url) return [];
  const name = url.slice(url.lastIndexOf('/') + 1);
  return [{ name: 'fan-out', lanes: [{ url, arn: `arn:aws:sqs:${region}:000000000000:${name}` }] }];
}
