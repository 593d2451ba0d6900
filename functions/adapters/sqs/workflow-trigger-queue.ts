import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  encodeTopicTriggerMessage,
  type TopicTriggerMessage,
  type TopicTriggerQueue,
} from '../../core/workflows/topic-trigger';

/** The workflow trigger queue: one message per page of a trigger to a topic. */
export class SqsTopicTriggerQueue implements TopicTriggerQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: Omit<TopicTriggerMessage, 'v'>): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: encodeTopicTriggerMessage(message),
      }),
    );
  }
}
