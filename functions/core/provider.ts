import type { Channel, OutboundMessage } from './model';

/** What a provider reports for a message it accepted. */
export interface ProviderReceipt {
  /** The provider's own id for the message (SES MessageId, Twilio SID, FCM name, Slack ts). */
  providerMessageId?: string;
}

/** One vendor adapter for one channel. Adapters take typed config and an injectable client. */
export interface ChannelProvider<C extends Channel = Channel> {
  readonly channel: C;
  send(message: OutboundMessage<C>): Promise<ProviderReceipt>;
}

/**
 * Every provider call gives up after this long. The channel function's 30 s timeout must cover
 * a whole batch even when it is sent one record at a time (SEND_CONCURRENCY 1): a call that
 * hung would time the invocation out, and after the lease the delivery would be sent again.
 * A timeout is a transient failure, retried by SQS.
 */
export const PROVIDER_TIMEOUT_MS = 5_000;

export type ProviderFailureKind = 'permanent' | 'transient';

/**
 * A classified provider failure. `permanent` failures (bad address, unknown channel, rejected
 * message) are recorded as failed and never retried; `transient` ones (throttling, 5xx, timeouts)
 * are retried by SQS, honouring `retryAfterSeconds` when the provider says how long to wait.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly kind: ProviderFailureKind;
  /** The provider's own error code, e.g. `MessageRejected`, `21211`, `channel_not_found`. */
  readonly code: string;
  readonly retryAfterSeconds?: number;

  constructor(
    kind: ProviderFailureKind,
    code: string,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.code = code;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get retryable(): boolean {
    return this.kind === 'transient';
  }
}
