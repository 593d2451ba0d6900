import { type Channel, SUPPRESSION_REASONS, type SuppressionReason } from '../shared/vocabulary';

export { SUPPRESSION_REASONS, type SuppressionReason };

/** One entry of a tenant's suppression list: this recipient on this channel gets nothing. */
export interface SuppressionEntry {
  tenantId: string;
  channel: Channel;
  /** Normalized (see normalizeRecipient). */
  recipient: string;
  reason: SuppressionReason;
  /** What put it there: `ses:Bounce:Permanent`, `twilio:21610`, `fcm:messaging/...`, `api`. */
  source: string;
  createdAt: string;
}

/**
 * The form a recipient is compared in: email addresses are case-insensitive in practice (SES
 * reports them as the receiving server wrote them), so they are lowercased; a WhatsApp number is
 * the E.164 number without Twilio's `whatsapp:` prefix; anything else is kept as given.
 */
export function normalizeRecipient(channel: Channel, recipient: string): string {
  const trimmed = recipient.trim();
  if (channel === 'email') return trimmed.toLowerCase();
  if (channel === 'whatsapp' && trimmed.startsWith('whatsapp:')) {
    return trimmed.slice('whatsapp:'.length);
  }
  return trimmed;
}

/** The key a recipient is looked up by within a tenant. */
export const suppressionKey = (channel: Channel, recipient: string): string =>
  `${channel}#${normalizeRecipient(channel, recipient)}`;

/**
 * The suppression list as the sender sees it: a lookup the runtime answers from one batch read
 * per SQS batch, and the write for a recipient the provider says is gone.
 */
export interface DeliverySuppressions {
  isSuppressed(tenantId: string, channel: Channel, recipient: string): Promise<boolean>;
  add(entry: SuppressionEntry): Promise<boolean>;
}

/** `<vendor>:<code>`: what put a recipient on the list at send time. */
export function suppressionSource(channel: Channel, code: string): string {
  const vendor =
    channel === 'email'
      ? 'ses'
      : channel === 'sms' || channel === 'whatsapp'
        ? 'twilio'
        : channel === 'push'
          ? 'fcm'
          : channel;
  return `${vendor}:${code}`;
}
