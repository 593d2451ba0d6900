import { ProviderError } from '../errors';
import { maskRecipient } from '../mask';
import type { Channel, DeliveryMessage, OutboundMessage } from '../model';
import type { ChannelProvider, Clock, NotificationRepository } from '../ports';

/** What happened to one record; the channel handler turns it into metrics and a batch response. */
export type DeliveryOutcome =
  | { outcome: 'delivered'; providerMessageId?: string }
  | { outcome: 'failed'; reason: string }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'retry'; reason: string; delaySeconds: number }
  /** Transient failure on the last receive: recorded failed; the message goes on to the DLQ. */
  | { outcome: 'exhausted'; reason: string };

export interface DeliverDependencies {
  channel: Channel;
  store: NotificationRepository;
  provider: () => Promise<ChannelProvider>;
  maxReceiveCount: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  leaseMs: number;
  now?: Clock;
}

/** One received queue message: the delivery it names and how often SQS has handed it out. */
export interface ReceivedDelivery {
  message: DeliveryMessage;
  /** SQS ApproximateReceiveCount: 1 on the first receive. */
  receiveCount: number;
}

/** Exponential backoff from the attempt number, capped, or what the provider asked for. */
export function retryDelaySeconds(
  attempt: number,
  base: number,
  max: number,
  retryAfter?: number,
): number {
  const backoff = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.min(max, Math.max(backoff, Math.ceil(retryAfter ?? 0)));
}

function describe(error: unknown): string {
  if (error instanceof ProviderError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Longest reason kept on a delivery: the item must stay under 1 KB (one write unit). */
const MAX_REASON_CHARS = 256;

/**
 * The failure as stored on the delivery and logged: providers quote the address or number they
 * rejected, and recipients are personal data, so it is masked; and it is bounded in length.
 */
export function safeReason(error: unknown, channel: Channel, recipient: string): string {
  const masked = describe(error).replaceAll(recipient, maskRecipient(channel, recipient));
  return masked.length > MAX_REASON_CHARS ? `${masked.slice(0, MAX_REASON_CHARS - 1)}…` : masked;
}

/**
 * Delivers the delivery named by one queue message, at most once per delivery:
 * claim (conditional) -> provider -> record the outcome (conditional).
 * A permanent failure is recorded and the record succeeds (nothing to retry). A transient one
 * returns `retry`; on the last receive before the DLQ it is recorded `failed` as well, so the
 * delivery has a final state while the message itself moves to the DLQ for replay.
 */
export async function deliverRecord(
  deps: DeliverDependencies,
  { message, receiveCount }: ReceivedDelivery,
): Promise<DeliveryOutcome> {
  const now = deps.now ?? Date.now;
  const { notificationId, deliveryId } = message;

  const claim = await deps.store.claim(notificationId, deliveryId, now(), deps.leaseMs);
  if (!claim.claimed) {
    if (claim.reason === 'in-flight') {
      // Another invocation holds the lease; come back after it, never send concurrently.
      const delay = Math.ceil(deps.leaseMs / 1000);
      return {
        outcome: 'retry',
        reason: 'delivery is being sent',
        delaySeconds: delay,
      };
    }
    return { outcome: 'skipped', reason: claim.status ?? claim.reason };
  }

  const notification = await deps.store.getNotification(notificationId);
  const content = notification?.content[deps.channel];
  if (!content) {
    const reason = 'notification content not found';
    await deps.store.markFailed(
      notificationId,
      deliveryId,
      reason,
      now(),
      ['sending'],
      'permanent',
    );
    return { outcome: 'failed', reason };
  }

  const outbound: OutboundMessage = {
    channel: deps.channel,
    notificationId,
    deliveryId,
    recipient: message.recipient,
    content,
  } as OutboundMessage;

  let receipt: Awaited<ReturnType<ChannelProvider['send']>>;
  try {
    const provider = await deps.provider();
    receipt = await provider.send(outbound);
  } catch (error) {
    const reason = safeReason(error, deps.channel, message.recipient);
    const permanent = error instanceof ProviderError && !error.retryable;
    if (permanent) {
      await deps.store.markFailed(
        notificationId,
        deliveryId,
        reason,
        now(),
        ['sending'],
        'permanent',
      );
      return { outcome: 'failed', reason };
    }
    if (receiveCount >= deps.maxReceiveCount) {
      const final = `gave up after ${receiveCount} attempts: ${reason}`;
      await deps.store.markFailed(
        notificationId,
        deliveryId,
        final,
        now(),
        ['sending'],
        'exhausted',
      );
      return { outcome: 'exhausted', reason: final };
    }
    await deps.store.recordRetry(notificationId, deliveryId, reason, now());
    const retryAfter = error instanceof ProviderError ? error.retryAfterSeconds : undefined;
    return {
      outcome: 'retry',
      reason,
      delaySeconds: retryDelaySeconds(
        receiveCount,
        deps.retryBaseSeconds,
        deps.retryMaxSeconds,
        retryAfter,
      ),
    };
  }
  // Outside the provider's try: the message went out, so a failure to record it must not look
  // like a provider failure (that would free the lease and send again). It throws, the record
  // fails, and the lease keeps any redelivery from sending until it runs out.
  await deps.store.markDelivered(notificationId, deliveryId, receipt.providerMessageId, now());
  return receipt.providerMessageId
    ? { outcome: 'delivered', providerMessageId: receipt.providerMessageId }
    : { outcome: 'delivered' };
}
