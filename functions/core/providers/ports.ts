import type { TenantProviderChannel } from './config';
import type { TenantProvider, Verification } from './model';

/** A reservation in a sender's (or a tenant's) schedule: when its units may go out. */
export type Reservation =
  /** The units are the bucket's from `startAt` (epoch ms; now or later). */
  | { granted: true; startAt: number }
  /** Nothing reserved: the schedule is booked beyond the horizon until `freeAt`. */
  | { granted: false; freeAt: number };

/**
 * Distributed token buckets in the GCRA form (one "theoretical arrival time" per key): every
 * concurrent sender function shares them. A reservation starts at max(tat, now); it is granted
 * when that start is at most `horizonMs` away, and then moves tat on by `costMs`.
 */
export interface RateBuckets {
  reserve(key: string, costMs: number, horizonMs: number, now: number): Promise<Reservation>;
}

/**
 * What a message that waits for its sender carries into its next copy (message attributes, not
 * the body): the sender it was scheduled on and the slots it already holds, so it never books
 * twice.
 */
export interface RateHold {
  /** The sender key the slots belong to. */
  sender: string;
  /** A granted slot on the sender itself (epoch ms): the message goes then, taking nothing. */
  senderSlot?: number;
  /** Its turn among its own tenant's messages on that sender (shared senders). */
  tenantSlot?: number;
}

/** A tenant's provider records (no secrets). */
export interface ProviderRepository {
  put(provider: TenantProvider): Promise<void>;
  get(
    tenantId: string,
    channel: TenantProviderChannel,
    name: string,
  ): Promise<TenantProvider | undefined>;
  /** The tenant's providers, of one channel when given, in failover order. */
  list(tenantId: string, channel?: TenantProviderChannel): Promise<TenantProvider[]>;
  remove(tenantId: string, channel: TenantProviderChannel, name: string): Promise<boolean>;
  setVerification(
    tenantId: string,
    channel: TenantProviderChannel,
    name: string,
    verification: Verification,
  ): Promise<void>;
}

/** Where a tenant's provider credentials live: one secret per tenant and provider. */
export interface ProviderSecretVault {
  /** The secret's name for this provider (the stack's tenant prefix + tenant/channel/name). */
  nameFor(tenantId: string, channel: TenantProviderChannel, name: string): string;
  /** Creates or replaces the secret's value. */
  put(secretName: string, value: Record<string, string>): Promise<void>;
  read(secretName: string): Promise<Record<string, string> | undefined>;
  remove(secretName: string): Promise<void>;
}

/** One cheap real call that says whether the provider takes these credentials. */
export interface ProviderVerifier {
  verify(
    provider: TenantProvider,
    secret: Record<string, string>,
  ): Promise<{ ok: boolean; problem?: string }>;
}
