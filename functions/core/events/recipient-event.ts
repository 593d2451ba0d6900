import type { Channel } from '../shared/vocabulary';

/** What changed about a recipient: an address's health, an unsubscribe (core/recipients). */
export const RECIPIENT_EVENT_TYPES = [
  'recipient.address_changed',
  'recipient.unsubscribed',
] as const;
export type RecipientEventType = (typeof RECIPIENT_EVENT_TYPES)[number];

/**
 * A recorded change of a recipient profile (core/recipients/events.ts): the health of one address
 * (`address_changed`: kind email|phone|push|slack|mqtt, status, previousStatus, source) or an
 * opt-out the recipient made with a one-click link (`unsubscribed`: category, channel).
 */
export interface RecipientEvent {
  id: string;
  type: RecipientEventType;
  occurredAt: string;
  tenantId: string;
  recipientId: string;
  kind?: string;
  address?: string;
  status?: string;
  previousStatus?: string;
  source?: string;
  category?: string;
  channel?: Channel;
}
