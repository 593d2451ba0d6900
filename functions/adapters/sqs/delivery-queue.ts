import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { encodeDeliveryMessage } from '../../core/delivery/delivery-message';
import type { Channel, DeliveryRecord, Priority } from '../../core/notifications/model';
import type { DeliveryQueue, EnqueueFailure } from '../../core/notifications/ports';
import { chunk, mapWithConcurrency } from '../../core/shared/concurrency';

/** One message to put on a queue; `id` is unique within one `enqueue` call. */
export interface OutgoingMessage {
  id: string;
  body: string;
  delaySeconds?: number;
}

/** Which messages the queue accepted and which it did not (after one retry). */
export interface EnqueueResult {
  sent: string[];
  failed: { id: string; reason: string }[];
}

// SQS takes at most 10 entries per SendMessageBatch; calls run in parallel so a
// 1,000-recipient request is 100 calls in about the time of a few.
const BATCH_SIZE = 10;
const PARALLEL_CALLS = 16;

function batchEntryId(index: number): string {
  return `m${index}`;
}

/**
 * Puts messages on one queue with SendMessageBatch, 10 per call. Entries SQS reports as failed
 * for a reason that is not the sender's fault are retried once; a call that fails as a whole
 * counts all its entries as failed. Never throws for SQS errors: the caller decides.
 */
export async function enqueue(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly OutgoingMessage[],
): Promise<EnqueueResult> {
  const result: EnqueueResult = { sent: [], failed: [] };
  await mapWithConcurrency(chunk(messages, BATCH_SIZE), PARALLEL_CALLS, async (batch) => {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const retry: OutgoingMessage[] = [];
      try {
        const answer = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: pending.map((m, i) => ({
              Id: batchEntryId(i),
              MessageBody: m.body,
              ...(m.delaySeconds ? { DelaySeconds: m.delaySeconds } : {}),
            })),
          }),
        );
        for (const ok of answer.Successful ?? []) {
          const message = pending[Number(ok.Id?.slice(1))];
          if (message) result.sent.push(message.id);
        }
        for (const failure of answer.Failed ?? []) {
          const message = pending[Number(failure.Id?.slice(1))];
          if (!message) continue;
          if (!failure.SenderFault && attempt === 1) retry.push(message);
          else
            result.failed.push({
              id: message.id,
              reason: failure.Message ?? failure.Code ?? 'failed',
            });
        }
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        for (const message of pending) result.failed.push({ id: message.id, reason });
      }
      pending = retry;
    }
  });
  return result;
}

/** Queue URLs of one channel: the normal lane and, when deployed, the high-priority lane. */
export interface ChannelQueues {
  normal: string;
  high?: string;
}

/** The DeliveryQueue port on SQS: one queue per channel and lane, SendMessageBatch 10 at a time. */
export class SqsDeliveryQueue implements DeliveryQueue {
  readonly channels: readonly Channel[];

  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: Partial<Record<Channel, ChannelQueues>>,
  ) {
    this.channels = Object.keys(queues) as Channel[];
  }

  async enqueue(
    deliveries: readonly DeliveryRecord[],
    priority: Priority,
    delaySeconds = 0,
  ): Promise<EnqueueFailure[]> {
    const byChannel = new Map<Channel, DeliveryRecord[]>();
    for (const record of deliveries) {
      const list = byChannel.get(record.channel) ?? [];
      list.push(record);
      byChannel.set(record.channel, list);
    }
    const failed: EnqueueFailure[] = [];
    await Promise.all(
      [...byChannel].map(async ([channel, records]) => {
        const queues = this.queues[channel];
        if (!queues) {
          for (const record of records) failed.push({ record, reason: 'channel not enabled' });
          return;
        }
        const queueUrl = priority === 'high' && queues.high ? queues.high : queues.normal;
        // Keyed by position: a delivery id (`email#0`) repeats across notifications, and a
        // replay or the reconciler enqueues deliveries of several notifications in one call.
        const messages: OutgoingMessage[] = records.map((record, i) => ({
          id: String(i),
          body: encodeDeliveryMessage(record),
          ...(delaySeconds > 0 ? { delaySeconds } : {}),
        }));
        const result = await enqueue(this.sqs, queueUrl, messages);
        for (const { id, reason } of result.failed) {
          const record = records[Number(id)];
          if (record) failed.push({ record, reason });
        }
      }),
    );
    return failed;
  }
}
