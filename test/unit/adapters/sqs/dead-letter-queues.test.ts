import type { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SqsDeadLetterQueues } from '../../../../functions/adapters/sqs/dead-letter-queues';

// The DLQ adapter at the SDK edge, with an SQS client stand-in.

const DLQ = 'https://sqs.eu-west-1.amazonaws.com/1/herald-sms-dlq';

describe('SqsDeadLetterQueues.moveAll', () => {
  it('says which call failed on which queue when StartMessageMoveTask fails', async () => {
    const sqs = {
      send: async (command: { constructor: { name: string } }) => {
        if (command.constructor.name === 'GetQueueAttributesCommand') {
          return { Attributes: { QueueArn: 'arn:aws:sqs:eu-west-1:1:herald-sms-dlq' } };
        }
        // What the SDK throws when the answer is not what it expects (an emulator's, a proxy's).
        throw Object.assign(new SyntaxError('Unexpected token < in JSON at position 0'), {
          $metadata: { httpStatusCode: 400 },
        });
      },
    } as unknown as SQSClient;
    const dlq = new SqsDeadLetterQueues(sqs, { sms: DLQ }, { moveTask: true });

    await expect(dlq.moveAll?.('sms')).rejects.toThrow(
      /StartMessageMoveTask on the sms dead-letter queue failed \(HTTP 400\): SyntaxError: Unexpected token/,
    );
  });
});
