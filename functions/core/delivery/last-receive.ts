import type { Channel } from '../notifications/model';
import type { Clock } from '../notifications/ports';
import { OutcomeNotRecordedError } from '../shared/errors';
import { type ReceivedDelivery, safeReason } from './deliver';
import type { DeliveryRepository } from './report-ports';

export interface LastReceiveDependencies {
  channel: Channel;
  store: DeliveryRepository;
  maxReceiveCount: number;
  now?: Clock;
}

/**
 * The last receive before the DLQ threw outside the provider call (a store error, say): its
 * message is about to leave the queue, so the delivery gets its final state here. Answers whether
 * it recorded the failure. Only a delivery no attempt holds is failed: another copy of the
 * message may be sending it right now (its lease says so), and failing it under that send would
 * report a message that went out as failed, for a replay to send again. A held delivery is left
 * to its holder, or, once the lease has run out, to the reconciler.
 */
export async function failOnLastReceive(
  deps: LastReceiveDependencies,
  { message, receiveCount }: ReceivedDelivery,
  error: unknown,
): Promise<boolean> {
  if (receiveCount < deps.maxReceiveCount) return false;
  // The provider accepted it: never record it failed (the delivery stays sending; see docs).
  if (error instanceof OutcomeNotRecordedError) return false;
  const now = (deps.now ?? Date.now)();
  const reason = `gave up after ${receiveCount} attempts: ${safeReason(error, deps.channel, message.recipient)}`;
  return deps.store.failUnlessInFlight(
    message.notificationId,
    message.deliveryId,
    reason,
    now,
    message.createdAt ? message : undefined,
  );
}
