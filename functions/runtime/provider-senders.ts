import type { ChannelProvider } from '../core/delivery/ports';
import { phoneSenderKind, type SenderPool } from '../core/providers/senders';
import type { ProviderSource } from './providers/source';

/** A Twilio secret's senders (one or a list per channel, or a messaging service). */
export interface TwilioSenders {
  smsFrom?: string | string[] | undefined;
  whatsappFrom?: string | string[] | undefined;
  messagingServiceSid?: string | undefined;
  ratePerSecond?: number | undefined;
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** The pool a Twilio account sends `channel` from; `owner` is `stack` or `<tenant>/<name>`. */
export function twilioPool(
  owner: string,
  channel: 'sms' | 'whatsapp',
  senders: TwilioSenders,
): SenderPool {
  const numbers = list(channel === 'sms' ? senders.smsFrom : senders.whatsappFrom);
  const ids = numbers.length > 0 ? numbers : list(senders.messagingServiceSid);
  const kind = channel === 'whatsapp' ? 'whatsapp' : phoneSenderKind(ids[0] ?? '');
  return {
    owner,
    kind,
    ids,
    ...(senders.ratePerSecond !== undefined && { ratePerSecond: senders.ratePerSecond }),
  };
}

/** A provider that can send from a chosen sender of its pool. */
interface SenderAware<C extends 'sms' | 'whatsapp'> extends ChannelProvider<C> {
  fromSender(sender: string): ChannelProvider<C>;
}

/**
 * A Twilio source whose `get(sender)` sends from that sender: one provider per sender, rebuilt
 * when the account's provider is (a rotated secret).
 */
export function withSenders<C extends 'sms' | 'whatsapp'>(
  source: ProviderSource<C>,
  senders: () => Promise<SenderPool | undefined>,
): ProviderSource<C> {
  let base: ChannelProvider<C> | undefined;
  const bySender = new Map<string, ChannelProvider<C>>();
  return {
    async get(sender?: string) {
      const provider = await source.get();
      if (sender === undefined || !('fromSender' in provider)) return provider;
      if (provider !== base) {
        base = provider;
        bySender.clear();
      }
      let chosen = bySender.get(sender);
      if (!chosen) {
        chosen = (provider as SenderAware<C>).fromSender(sender);
        bySender.set(sender, chosen);
      }
      return chosen;
    },
    senders,
  };
}
