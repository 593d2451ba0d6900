import type { Channel, OutboundMessage } from '../notifications/model';

/** What a provider reports for a message it accepted. */
export interface ProviderReceipt {
  /** The provider's own id for the message (SES MessageId, Twilio SID, FCM name, Slack ts). */
  providerMessageId?: string;
}

/** What the deliver use-case hands every provider call. */
export interface SendOptions {
  /**
   * Aborted after PROVIDER_TIMEOUT_MS: the adapter must abort the request itself (close the
   * connection), not merely stop waiting, so no call outlives its attempt.
   */
  signal: AbortSignal;
}

/**
 * One vendor adapter for one channel. Throws ProviderError (core/shared/errors.ts) classified as
 * permanent or transient. Never retries by itself: every call is one recorded attempt.
 */
export interface ChannelProvider<C extends Channel = Channel> {
  readonly channel: C;
  send(message: OutboundMessage<C>, options: SendOptions): Promise<ProviderReceipt>;
}
