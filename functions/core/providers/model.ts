import type { ProviderSettings, TenantProviderChannel } from './config';

/** What `verify` found: one cheap real call to the provider. */
export interface Verification {
  ok: boolean;
  checkedAt: string;
  /** What is wrong, in the provider's terms (never a secret). */
  problem?: string;
}

/** A tenant's own provider for one channel, as stored and shown: never its secret. */
export interface TenantProvider {
  tenantId: string;
  channel: TenantProviderChannel;
  name: string;
  /** Failover order among the tenant's providers of the channel, lowest first. */
  priority: number;
  settings: ProviderSettings;
  /** The Secrets Manager secret holding its credentials (one per tenant and provider). */
  secretName: string;
  createdAt: string;
  updatedAt: string;
  verification?: Verification;
}
