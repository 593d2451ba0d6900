import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SqsDeliveryQueue } from '../../../../functions/adapters/sqs/delivery-queue';
import type { DeliveryRecord } from '../../../../functions/core/notifications/model';

// The SQS delivery queue at the SDK edge: an SQS client stand-in that answers SendMessageBatch
// the way SQS does, refusing the entries a test picks.

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/1/herald-email';

function record(notificationId: string, deliveryId = 'email#0'): DeliveryRecord {
  return {
    notificationId,
    deliveryId,
    channel: 'email',
    recipient: `${notificationId}@example.com`,
    status: 'queued',
    attempts: 0,
    createdAt: '2026-12-01T12:00:00.000Z',
    updatedAt: '2026-12-01T12:00:00.000Z',
    tenantId: 'acme',
  };
}

/** Refuses (sender's fault) every entry whose body names a notification in `refuse`. */
function sqsRefusing(refuse: ReadonlySet<string>) {
  const sent: { body: string; attributes: unknown }[] = [];
  const client = {
    send: async (command: SendMessageBatchCommand) => {
      const Successful: { Id: string }[] = [];
      const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
      for (const entry of command.input.Entries ?? []) {
        const { notificationId } = JSON.parse(entry.MessageBody ?? '{}');
        if (refuse.has(notificationId)) {
          Failed.push({ Id: entry.Id ?? '', SenderFault: true, Code: 'Invalid', Message: 'no' });
        } else {
          Successful.push({ Id: entry.Id ?? '' });
          sent.push({ body: entry.MessageBody ?? '', attributes: entry.MessageAttributes });
        }
      }
      return { Successful, Failed };
    },
  } as unknown as SQSClient;
  return { client, sent };
}

describe('SqsDeliveryQueue.enqueue', () => {
  it('blames a refused entry on its own notification when several share a delivery id', async () => {
    const { client, sent } = sqsRefusing(new Set(['n2']));
    const queue = new SqsDeliveryQueue(client, { email: { normal: QUEUE } });

    const failures = await queue.enqueue([record('n1'), record('n2'), record('n3')], 'normal');

    expect(failures.map((f) => f.record.notificationId)).toEqual(['n2']);
    expect(sent.map((m) => JSON.parse(m.body).notificationId)).toEqual(['n1', 'n3']);
  });
});
