import type { ChannelProvider } from '../../core/delivery/ports';
import type { TenantProvider } from '../../core/providers/model';
import type { TenantProviderConfig } from '../tenant-provider-config';

/** A tenant's own provider, built from its record and secret. */
export interface TenantProviderBuild {
  provider: ChannelProvider;
  /** The same provider sending from one of its senders (Twilio numbers); absent: one sender. */
  fromSender?(sender: string): ChannelProvider;
}

/**
 * Builds a tenant's provider for one channel's vendor. Each channel's ProviderSource carries its
 * own (slack-source.ts, twilio-source.ts), so a function bundles the vendor SDK of its channel
 * only: the tenant router (tenant-providers.ts) imports none (the email sender once carried
 * @slack/web-api through it, 64 KiB; test/unit/bundling.test.ts checks).
 */
export type TenantProviderBuilder = (
  provider: TenantProvider,
  secret: Record<string, string>,
  options: { config: TenantProviderConfig; statusCallbackUrl?: string },
) => TenantProviderBuild;
