import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ChannelSender } from './channel-sender';
import type { HeraldFunction } from './herald-function';
import type { Scheduling } from './scheduling';

/** Props of DeadLetterReplay. */
export interface DeadLetterReplayProps {
  /** Senders of the enabled channels: their DLQs and work queues. */
  readonly senders: readonly ChannelSender[];
  /** The schedule DLQ (failed releases). */
  readonly scheduling: Scheduling;
}

/**
 * Replaying dead letters (`npm run dlq`, `POST /v1/dlq/replay`): which DLQs there are, the
 * variables that name them for the api function, the least privilege to look at and empty them,
 * and the map of every queue URL the CLI reads from the stack's QueueUrls output.
 */
export class DeadLetterReplay extends Construct {
  private readonly senders: readonly ChannelSender[];
  private readonly scheduling: Scheduling;

  constructor(scope: Construct, id: string, props: DeadLetterReplayProps) {
    super(scope, id);
    this.senders = props.senders;
    this.scheduling = props.scheduling;
  }

  /** Each DLQ by the variable naming it: DLQ_URL_<CHANNEL>, SCHEDULE_DLQ_URL. */
  get deadLetterQueues(): Record<string, sqs.IQueue> {
    const queues: Record<string, sqs.IQueue> = {
      SCHEDULE_DLQ_URL: this.scheduling.deadLetterQueue,
    };
    for (const sender of this.senders) {
      queues[`DLQ_URL_${sender.channel.toUpperCase()}`] = sender.deadLetterQueue;
    }
    return queues;
  }

  /** The api function's DLQ variables (functions/runtime/config.ts). */
  get apiEnvironment(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.deadLetterQueues).map(([name, queue]) => [name, queue.queueUrl]),
    );
  }

  /**
   * Every queue URL by its variable name (work queues, lanes, DLQs), as JSON: the CLI builds the
   * same configuration the functions load from env.
   */
  get queueUrlsJson(): string {
    const urls: Record<string, string> = { ...this.apiEnvironment };
    for (const sender of this.senders) {
      const channel = sender.channel.toUpperCase();
      urls[`QUEUE_URL_${channel}`] = sender.queue.queueUrl;
      urls[`HIGH_QUEUE_URL_${channel}`] = sender.highQueue.queueUrl;
    }
    return Stack.of(this).toJsonString(urls);
  }

  /**
   * Lets `grantee` look at and empty the DLQs (receive, hold, delete): a replay's new messages go
   * to the work queues, which the api function may already send to. No StartMessageMoveTask: the
   * api only replays a tenant's own messages, one by one.
   */
  grantReplay(grantee: HeraldFunction): void {
    iam.Grant.addToPrincipal({
      grantee: grantee.fn,
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
      resourceArns: Object.values(this.deadLetterQueues).map((queue) => queue.queueArn),
    });
  }
}
