import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type {
  DeadLetter,
  DeadLetterQueues,
  DeadLetterSource,
} from '../../core/dead-letters/queues';
import { chunk, mapWithConcurrency } from '../../core/shared/concurrency';

const PARALLEL_CALLS = 8;

/** Settings of the DLQ adapter. */
export interface SqsDeadLetterQueuesOptions {
  /**
   * Offer SQS StartMessageMoveTask for replaying a whole channel DLQ. Off where the SQS
   * implementation lacks it (the local emulator answers InvalidAction).
   */
  moveTask?: boolean;
  /**
   * Long-poll seconds per receive. SQS samples a subset of its servers on a short poll and can
   * answer empty while messages remain; a 1 s wait asks them all. @default 1
   */
  waitSeconds?: number;
}

/** The DeadLetterQueues port on SQS: one DLQ per channel, and the schedule DLQ. */
export class SqsDeadLetterQueues implements DeadLetterQueues {
  readonly sources: readonly DeadLetterSource[];

  constructor(
    private readonly sqs: SQSClient,
    private readonly urls: Partial<Record<DeadLetterSource, string>>,
    private readonly options: SqsDeadLetterQueuesOptions = {},
  ) {
    this.sources = Object.keys(urls) as DeadLetterSource[];
    if (options.moveTask) this.moveAll = (source) => this.#moveAll(source);
  }

  moveAll?: (source: DeadLetterSource) => Promise<string>;

  #url(source: DeadLetterSource): string {
    const url = this.urls[source];
    if (!url) throw new Error(`no dead-letter queue for ${source} in this deployment`);
    return url;
  }

  async receive(source: DeadLetterSource, max: number, holdSeconds: number): Promise<DeadLetter[]> {
    const answer = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#url(source),
        MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
        VisibilityTimeout: holdSeconds,
        WaitTimeSeconds: this.options.waitSeconds ?? 1,
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    return (answer.Messages ?? []).flatMap((m) =>
      m.MessageId && m.ReceiptHandle
        ? [
            {
              messageId: m.MessageId,
              body: m.Body ?? '',
              sentAt: new Date(Number(m.Attributes?.SentTimestamp ?? 0)).toISOString(),
              receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
              receipt: m.ReceiptHandle,
            },
          ]
        : [],
    );
  }

  async delete(source: DeadLetterSource, receipts: readonly string[]): Promise<void> {
    // Batches of 10 (the SQS maximum), a few calls in flight.
    await mapWithConcurrency(chunk(receipts, 10), PARALLEL_CALLS, async (batch) => {
      const answer = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#url(source),
          Entries: batch.map((ReceiptHandle, i) => ({ Id: `d${i}`, ReceiptHandle })),
        }),
      );
      if (answer.Failed?.length) {
        throw new Error(`${answer.Failed.length} dead letters could not be deleted`);
      }
    });
  }

  async release(source: DeadLetterSource, receipts: readonly string[]): Promise<void> {
    await mapWithConcurrency(chunk(receipts, 10), PARALLEL_CALLS, async (batch) => {
      // A message that could not be put back comes back by itself when its hold ends.
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#url(source),
          Entries: batch.map((ReceiptHandle, i) => ({
            Id: `r${i}`,
            ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    });
  }

  async #moveAll(source: DeadLetterSource): Promise<string> {
    const url = this.#url(source);
    const attributes = await this.sqs
      .send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))
      .catch((error: unknown) => {
        throw new MoveTaskError('GetQueueAttributes', source, error);
      });
    const arn = attributes.Attributes?.QueueArn;
    if (!arn) throw new Error(`no ARN for the ${source} dead-letter queue`);
    // No destination: SQS sends each message back to the queue it was dead-lettered from.
    const task = await this.sqs
      .send(new StartMessageMoveTaskCommand({ SourceArn: arn }))
      .catch((error: unknown) => {
        throw new MoveTaskError('StartMessageMoveTask', source, error);
      });
    return task.TaskHandle ?? '';
  }
}

/**
 * A call of the whole-queue move that failed, named with its queue: the SDK's own error may be no
 * more than a parse error of an answer it did not expect (an emulator's, a proxy's).
 */
export class MoveTaskError extends Error {
  constructor(action: string, source: DeadLetterSource, cause: unknown) {
    const status = (cause as { $metadata?: { httpStatusCode?: number } })?.$metadata
      ?.httpStatusCode;
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(
      `${action} on the ${source} dead-letter queue failed${status ? ` (HTTP ${status})` : ''}: ${detail}`,
      { cause },
    );
    this.name = 'MoveTaskError';
  }
}
