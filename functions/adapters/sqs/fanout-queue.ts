import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { encodeFanoutMessage, type FanoutMessage } from '../../core/topics/model';
import type { FanoutQueue } from '../../core/topics/ports';

/** The fan-out queue: one message per page of a topic send (functions/handlers/fan-out.ts). */
export class SqsFanoutQueue implements FanoutQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: Omit<FanoutMessage, 'v'>, delaySeconds?: number): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: encodeFanoutMessage(message),
        ...(delaySeconds ? { DelaySeconds: delaySeconds } : {}),
      }),
    );
  }
}
