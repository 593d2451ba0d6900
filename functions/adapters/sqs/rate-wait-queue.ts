import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RateHold } from '../../core/providers/ports';

/** The message attribute a waiting copy carries its booked slots in (never the body). */
export const RATE_HOLD_ATTRIBUTE = 'herald-rate';

/** SQS's longest message delay; a longer wait is a chain of copies. */
const MAX_DELAY_SECONDS = 900;

/**
 * Puts a copy of a delivery message back on its own queue (same lane) to wait for its sender:
 * DelaySeconds of at most 15 minutes and the hold it booked as a message attribute. The copy is a
 * new message, so waiting for a rate never uses up a receive of the retry budget; the caller then
 * lets the original be deleted.
 */
export async function requeueForRate(
  sqs: SQSClient,
  queueUrl: string,
  body: string,
  delayMs: number,
  hold: RateHold,
): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      // Rounded down: the rest of the wait (under a second) is spent in the function on return.
      DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.floor(delayMs / 1000))),
      MessageAttributes: {
        [RATE_HOLD_ATTRIBUTE]: { DataType: 'String', StringValue: JSON.stringify(hold) },
      },
    }),
  );
}

/** The hold a received copy carries, if any (a malformed one is ignored: it books again). */
export function readRateHold(
  attributes: Record<string, { stringValue?: string | undefined }> | undefined,
): RateHold | undefined {
  const raw = attributes?.[RATE_HOLD_ATTRIBUTE]?.stringValue;
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<RateHold>;
    if (typeof value.sender !== 'string') return undefined;
    return {
      sender: value.sender,
      ...(typeof value.senderSlot === 'number' && { senderSlot: value.senderSlot }),
      ...(typeof value.tenantSlot === 'number' && { tenantSlot: value.tenantSlot }),
    };
  } catch {
    return undefined;
  }
}
