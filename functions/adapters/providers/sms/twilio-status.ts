import type { ProviderReport } from '../../../core/delivery/report';
import { twilioSuppression } from './twilio-address-codes';
import { NEEDS_TEMPLATE_REASON, TWILIO_NEEDS_TEMPLATE } from './twilio-messaging-provider';

/** The delivery a callback names, from the query string Herald put on its statusCallback. */
export interface CallbackIds {
  notificationId: string;
  deliveryId: string;
  tenantId: string;
}

/**
 * A Twilio status callback (form fields `MessageStatus`, `ErrorCode`, `MessageSid`...) in
 * Herald's terms, or undefined for the intermediate statuses (queued, sending, sent, accepted,
 * scheduled) that change nothing Herald records.
 */
export function twilioStatusReport(
  params: Readonly<Record<string, string>>,
  ids: CallbackIds,
  now: number,
): ProviderReport | undefined {
  const status = params.MessageStatus ?? params.SmsStatus;
  const errorCode = params.ErrorCode ? Number(params.ErrorCode) : undefined;
  const base = {
    ...ids,
    source: `twilio:${status ?? 'unknown'}${errorCode ? `:${errorCode}` : ''}`,
    occurredAt: now,
    ...(params.MessageSid && { providerMessageId: params.MessageSid }),
  };
  switch (status) {
    case 'delivered':
      return { ...base, status: 'delivered' };
    case 'read':
      // WhatsApp: read implies delivered; `read` itself is kept as a detail.
      return { ...base, status: 'delivered', detail: `read at ${new Date(now).toISOString()}` };
    case 'undelivered':
    case 'failed': {
      const reason =
        errorCode === TWILIO_NEEDS_TEMPLATE
          ? `${errorCode}: ${NEEDS_TEMPLATE_REASON}`
          : `${errorCode ?? 'unknown'}: Twilio reported the message ${status}`;
      const suppress = twilioSuppression(errorCode);
      return { ...base, status, reason, ...(suppress && { suppress }) };
    }
    default:
      return undefined;
  }
}
