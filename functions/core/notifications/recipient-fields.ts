import type { Channel } from '../shared/vocabulary';

/*
 * What a delivery to a recipient id (core/recipients) carries besides the raw-address fields.
 * Kept apart from model.ts, which every capability reads, so that file stays about deliveries.
 */

/**
 * Why a delivery to a recipient id was `skipped` (recorded final, never sent): the recipient has
 * no address for the channel, the address is dead, they opted out, or the address is suppressed.
 */
export const SKIP_REASONS = ['no_address', 'address_invalid', 'opted_out', 'suppressed'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** A recipient id that cannot be reached on a channel: becomes a `skipped` delivery at ingest. */
export interface SkippedRecipient {
  channel: Channel;
  recipientId: string;
  recipient: string;
  reason: SkipReason;
  detail: string;
}

/** On a delivery (record, queue message, outbound message) sent to a recipient id. */
export interface RecipientFields {
  /** The recipient id the request named (the email's unsubscribe link names it). */
  recipientId?: string;
  /** Set when `skipped`. */
  skipReason?: SkipReason;
}
