import {
  ACCEPTED_STATUS,
  ATTEMPT_MAX_MS,
  type Channel,
  type DeliveryMessage,
  type FailureKind,
  type OutboundMessage,
  PROVIDER_TIMEOUT_MS,
  RECORD_BUDGET_MS,
} from '../notifications/model';
import type { Clock } from '../notifications/ports';
import { OutcomeNotRecordedError, ProviderError } from '../shared/errors';
import { maskRecipient } from '../shared/mask';
import {
  type DeliverySuppressions,
  normalizeRecipient,
  suppressionSource,
} from '../suppressions/model';
import type { ChannelProvider } from './ports';
import type { DeliveryRepository } from './report-ports';

/** What happened to one record; the channel handler turns it into metrics and a batch response. */
export type DeliveryOutcome =
  | { outcome: 'sent'; status: 'sent' | 'delivered'; providerMessageId?: string }
  | { outcome: 'failed'; reason: string; suppressed?: boolean }
  /** The recipient is on the tenant's suppression list: recorded, never sent. */
  | { outcome: 'suppressed' }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'retry'; reason: string; delaySeconds: number }
  /** Transient failure on the last receive: recorded failed; the message goes on to the DLQ. */
  | { outcome: 'exhausted'; reason: string }
  /** Not started: too little time left in this invocation. No attempt was counted. */
  | { outcome: 'handback'; reason: string }
  /**
   * Nothing this message can do on its last receive (another attempt holds the delivery, or no
   * time was left): the message is dropped and the reconciler watches the delivery.
   */
  | { outcome: 'deferred'; reason: string };

export interface DeliverDependencies {
  channel: Channel;
  store: DeliveryRepository;
  provider: () => Promise<ChannelProvider>;
  maxReceiveCount: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  leaseMs: number;
  now?: Clock;
  /** Waits between retries of an outcome write (a test seam). */
  sleep?: (ms: number) => Promise<void>;
  /** Default PROVIDER_TIMEOUT_MS (a test seam). */
  providerTimeoutMs?: number;
  /** The suppression list as the channel function sees it (absent: nothing is suppressed). */
  suppressions?: DeliverySuppressions;
}

/** One received queue message: the delivery it names and how often SQS has handed it out. */
export interface ReceivedDelivery {
  message: DeliveryMessage;
  /** SQS ApproximateReceiveCount: 1 on the first receive. */
  receiveCount: number;
  /** Epoch ms when the invocation ends (Lambda's remaining time); absent: no limit. */
  deadline?: number;
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

const OUTCOME_WRITE_TRIES = 3;
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Records an outcome, retrying a failed write (throttling, a network blip) within
 * RECORD_BUDGET_MS: losing it would leave the delivery `sending` and, once its lease runs out,
 * send it again. A `false` answer (the status moved on) is final and not retried.
 */
async function recordOutcome(
  deps: DeliverDependencies,
  write: () => Promise<boolean>,
): Promise<boolean> {
  const sleep = deps.sleep ?? realSleep;
  let wait = RECORD_BUDGET_MS / 2 ** OUTCOME_WRITE_TRIES;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= OUTCOME_WRITE_TRIES) throw error;
      await sleep(wait);
      wait *= 2;
    }
  }
}

/**
 * Delivers the delivery named by one queue message, one attempt at a time per delivery:
 * time check -> claim (conditional, counts the attempt) -> provider (aborted after
 * PROVIDER_TIMEOUT_MS) -> record the outcome (conditional, retried).
 * A permanent failure is recorded and the record succeeds (nothing to retry). A transient one
 * returns `retry`; on the last receive before the DLQ it is recorded `failed` as well, so the
 * delivery has a final state while the message itself moves to the DLQ for replay. A call that
 * timed out is an ambiguous attempt: the provider may have accepted it, and lastError says so.
 */
export async function deliverRecord(
  deps: DeliverDependencies,
  { message, receiveCount, deadline }: ReceivedDelivery,
): Promise<DeliveryOutcome> {
  const now = deps.now ?? Date.now;
  const { notificationId, deliveryId } = message;
  const lastReceive = receiveCount >= deps.maxReceiveCount;

  if (deadline !== undefined && deadline - now() < ATTEMPT_MAX_MS) {
    // Starting now could leave a call in flight when the invocation ends: hand it back uncounted.
    const reason = `less than ${ATTEMPT_MAX_MS} ms left in this invocation`;
    return lastReceive ? { outcome: 'deferred', reason } : { outcome: 'handback', reason };
  }

  const claimedAt = now();
  // A message that says when its delivery was accepted may find no item: the claim creates it.
  const seed = message.createdAt ? message : undefined;
  const claim = await deps.store.claim(notificationId, deliveryId, claimedAt, deps.leaseMs, seed);
  if (!claim.claimed) {
    if (claim.reason === 'in-flight') {
      // Another attempt holds the lease: never send concurrently. Its own invocation records
      // the outcome; if it died, the reconciler finds the delivery once the lease is long gone.
      if (lastReceive) return { outcome: 'deferred', reason: 'delivery is being sent' };
      const leftMs = (claim.leaseUntil ?? claimedAt + deps.leaseMs) - claimedAt;
      return {
        outcome: 'retry',
        reason: 'delivery is being sent',
        delaySeconds: Math.min(deps.retryMaxSeconds, Math.max(1, Math.ceil(leftMs / 1000) + 1)),
      };
    }
    return { outcome: 'skipped', reason: claim.status ?? claim.reason };
  }
  // This attempt's end as `failed`: recorded from `sending`, with the reason and its kind.
  const fail = (reason: string, kind: FailureKind) =>
    recordOutcome(deps, () =>
      deps.store.markFailed(
        notificationId,
        deliveryId,
        reason,
        now(),
        ['sending'],
        kind,
        claim.attempts,
      ),
    );

  // A transient failure: recorded and retried, or on the last receive recorded `failed` while
  // the message moves on to the DLQ for a replay.
  const retryLater = async (reason: string, retryAfter?: number): Promise<DeliveryOutcome> => {
    if (lastReceive) {
      const final = `gave up after ${receiveCount} attempts: ${reason}`;
      await fail(final, 'exhausted');
      return { outcome: 'exhausted', reason: final };
    }
    await recordOutcome(deps, () =>
      deps.store.recordRetry(notificationId, deliveryId, reason, now(), claim.attempts),
    );
    const { retryBaseSeconds: base, retryMaxSeconds: max } = deps;
    return {
      outcome: 'retry',
      reason,
      delaySeconds: retryDelaySeconds(receiveCount, base, max, retryAfter),
    };
  };

  let content: Awaited<ReturnType<typeof deps.store.getContent>>;
  let tenantId: string | undefined;
  let suppressed: boolean | undefined;
  try {
    [content, tenantId] = await Promise.all([
      deps.store.getContent(notificationId, deps.channel, deliveryId),
      // The delivery records its tenant; only deliveries written before it did need the lookup.
      claim.tenantId ?? deps.store.getTenant(notificationId),
    ]);
    // Checked after the claim, not at ingest: lifting a suppression before the send takes effect.
    if (content && tenantId !== undefined) {
      suppressed = await deps.suppressions?.isSuppressed(tenantId, deps.channel, message.recipient);
    }
  } catch (error) {
    // This attempt holds the lease, so it records its own failed read: the last receive's
    // fallback never fails a delivery an attempt holds.
    return retryLater(safeReason(error, deps.channel, message.recipient));
  }
  if (!content || tenantId === undefined) {
    // The delivery was claimed, so its notification exists: a miss is a read that has not caught
    // up with ingest yet (the store already retried it strongly consistent). Never permanent.
    return retryLater('notification content not found yet');
  }
  if (suppressed) {
    await recordOutcome(deps, async () => {
      const write = await deps.store.applyReport(notificationId, deliveryId, {
        status: 'suppressed',
        from: ['sending'],
        lastError: 'recipient is on the suppression list',
        now: now(),
      });
      return write.applied;
    });
    return { outcome: 'suppressed' };
  }

  const outbound = {
    channel: deps.channel,
    notificationId,
    deliveryId,
    tenantId,
    recipient: message.recipient,
    content,
    ...(message.recipientId && { recipientId: message.recipientId }),
  } as OutboundMessage;

  let receipt: Awaited<ReturnType<ChannelProvider['send']>>;
  const timeoutMs = deps.providerTimeoutMs ?? PROVIDER_TIMEOUT_MS;
  let signal: AbortSignal | undefined;
  try {
    const provider = await deps.provider();
    // Started with the call: the provider may first wait for its sender's booked slot (rates).
    signal = AbortSignal.timeout(timeoutMs);
    receipt = await provider.send(outbound, { signal });
  } catch (error) {
    const described = safeReason(error, deps.channel, message.recipient);
    const unknown = signal?.aborted || (error instanceof ProviderError && error.outcomeUnknown);
    const reason = unknown
      ? `outcome unknown (no answer within ${timeoutMs} ms; the provider may have accepted it): ${described}`
      : described;
    const permanent = error instanceof ProviderError && !error.retryable;
    if (permanent) {
      await fail(reason, 'permanent');
      const suppress = error instanceof ProviderError ? error.suppress : undefined;
      if (suppress && deps.suppressions) {
        await deps.suppressions.add({
          tenantId,
          channel: deps.channel,
          recipient: normalizeRecipient(deps.channel, message.recipient),
          reason: suppress,
          source: suppressionSource(deps.channel, (error as ProviderError).code),
          createdAt: new Date(now()).toISOString(),
        });
        return { outcome: 'failed', reason, suppressed: true };
      }
      return { outcome: 'failed', reason };
    }
    return retryLater(reason, error instanceof ProviderError ? error.retryAfterSeconds : undefined);
  }
  // Outside the provider's try: the message went out, so a failure to record it must not look
  // like a provider failure (that would free the lease and send again). After the retries it
  // throws OutcomeNotRecordedError: the lease keeps any redelivery from sending until it runs out.
  // When a provider report got there first (sending -> delivered/bounced...), this write finds
  // nothing to change: the report wins, and the delivery is no longer claimable either way.
  const status = ACCEPTED_STATUS[deps.channel];
  try {
    await recordOutcome(deps, () =>
      deps.store.markSent(
        notificationId,
        deliveryId,
        status,
        receipt.providerMessageId,
        now(),
        claim.attempts,
      ),
    );
  } catch (error) {
    throw new OutcomeNotRecordedError(
      `${deliveryId} of ${notificationId} was accepted by the provider but not recorded`,
      { cause: error },
    );
  }
  return receipt.providerMessageId
    ? { outcome: 'sent', status, providerMessageId: receipt.providerMessageId }
    : { outcome: 'sent', status };
}
