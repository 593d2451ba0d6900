import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { asciiJson } from '../../core/shared/ascii-json';
import { MalformedMessageError } from '../../core/shared/errors';
import type { WebhookMessage } from '../../core/webhooks/model';
import type { WebhookQueue } from '../../core/webhooks/ports';
import { enqueue } from './delivery-queue';

/** Thrown when SQS did not take every webhook message; the caller's batch is retried. */
export class WebhookEnqueueError extends Error {
  override readonly name = 'WebhookEnqueueError';
}

/** The webhook queue and its DLQ (the DLQ also receives messages the sender gave up on). */
export class SqsWebhookQueue implements WebhookQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterUrl?: string,
  ) {}

  async enqueue(messages: readonly WebhookMessage[], delaySeconds = 0): Promise<void> {
    if (messages.length === 0) return;
    const result = await enqueue(
      this.sqs,
      this.queueUrl,
      messages.map((m, i) => ({
        id: String(i),
        // ASCII JSON: an event's recipient or metadata may hold any character SQS accepts.
        body: asciiJson(m),
        ...(delaySeconds > 0 && { delaySeconds }),
      })),
    );
    if (result.failed.length > 0) {
      throw new WebhookEnqueueError(
        `${result.failed.length} of ${messages.length} webhook messages not queued: ${result.failed[0]?.reason}`,
      );
    }
  }

  async deadLetter(message: WebhookMessage, reason: string): Promise<void> {
    if (!this.deadLetterUrl) throw new Error('no webhook DLQ configured');
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterUrl,
        MessageBody: asciiJson(message),
        MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 256) } },
      }),
    );
  }
}

/** A webhook queue body back into a message; anything else is a MalformedMessageError. */
export function parseWebhookMessage(body: string): WebhookMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('webhook message is not JSON');
  }
  const m = parsed as Partial<WebhookMessage> | null;
  if (
    m?.v !== 1 ||
    typeof m.tenantId !== 'string' ||
    typeof m.webhookId !== 'string' ||
    typeof m.attempt !== 'number' ||
    typeof m.event?.id !== 'string'
  ) {
    throw new MalformedMessageError('not a webhook message');
  }
  return m as WebhookMessage;
}
