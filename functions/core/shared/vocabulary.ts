/*
 * The words every capability shares. They live below the capabilities so that errors, masking and
 * each capability's model can name a channel or a suppression reason without importing each other.
 */

/** The channels Herald delivers on. */
export const CHANNELS = ['email', 'sms', 'whatsapp', 'push', 'slack', 'mqtt'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Why a recipient is on the suppression list. */
export const SUPPRESSION_REASONS = [
  'bounce',
  'complaint',
  'unsubscribed',
  'invalid-token',
  'undeliverable',
  'manual',
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];
