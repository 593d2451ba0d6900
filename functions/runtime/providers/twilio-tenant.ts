import { TwilioMessagingProvider } from '../../adapters/providers/sms/twilio-messaging-provider';
import type { TenantProviderBuilder } from './tenant-builder';

/** A tenant's own Twilio account, sending from any of its senders. */
export const twilioTenantProvider: TenantProviderBuilder = (p, secret, options) => {
  if (p.settings.vendor !== 'twilio') throw new Error(`not a Twilio provider: ${p.name}`);
  const provider = new TwilioMessagingProvider(p.channel as 'sms' | 'whatsapp', {
    accountSid: p.settings.accountSid,
    authToken: secret.authToken ?? '',
    from: p.settings.senders[0] as string,
    ...(options.config.twilioApiBaseUrl && { apiBaseUrl: options.config.twilioApiBaseUrl }),
    ...(options.statusCallbackUrl && { statusCallbackUrl: options.statusCallbackUrl }),
  });
  return { provider, fromSender: (sender) => provider.fromSender(sender) };
};
