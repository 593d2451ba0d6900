import {
  type MessageAttributeValue,
  PublishBatchCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { HeraldEvent } from '../../core/events/model';
import type { EventTopic } from '../../core/events/ports';
import { chunk } from '../../core/shared/concurrency';

/** SNS takes 10 messages per PublishBatch. */
const BATCH = 10;

/** Thrown when SNS did not take every message of a batch; the caller retries the whole batch. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
}

/** The attributes operators filter on (subscription filter policies). */
export function eventAttributes(event: HeraldEvent): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {
    type: { DataType: 'String', StringValue: event.type },
    tenantId: { DataType: 'String', StringValue: event.tenantId },
  };
  if ('channel' in event) attributes.channel = { DataType: 'String', StringValue: event.channel };
  if ('status' in event) attributes.status = { DataType: 'String', StringValue: event.status };
  return attributes;
}

/** The events topic (`herald-<stage>-events`): one SNS message per event, JSON body. */
export class SnsEventTopic implements EventTopic {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(events: readonly HeraldEvent[]): Promise<void> {
    await Promise.all(
      chunk(events, BATCH).map(async (batch) => {
        const answer = await this.sns.send(
          new PublishBatchCommand({
            TopicArn: this.topicArn,
            PublishBatchRequestEntries: batch.map((event, i) => ({
              Id: String(i),
              Message: JSON.stringify(event),
              MessageAttributes: eventAttributes(event),
            })),
          }),
        );
        const failed = answer.Failed ?? [];
        if (failed.length > 0) {
          const codes = [...new Set(failed.map((f) => f.Code))].join(', ');
          throw new PublishError(
            `SNS refused ${failed.length} of ${batch.length} events (${codes})`,
          );
        }
      }),
    );
  }
}
