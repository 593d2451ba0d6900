import type { ProviderReport } from '../../../core/delivery/report';
import { idsFromSesTags } from './ses-tags';

/** The parts of an SES event-publishing record (configuration set -> SNS) Herald reads. */
interface SesEvent {
  eventType?: string;
  mail?: { messageId?: string; tags?: unknown; timestamp?: string };
  bounce?: {
    bounceType?: string;
    bounceSubType?: string;
    timestamp?: string;
    bouncedRecipients?: { diagnosticCode?: string; status?: string }[];
  };
  complaint?: { complaintFeedbackType?: string; timestamp?: string };
  delivery?: { timestamp?: string; smtpResponse?: string };
  deliveryDelay?: { delayType?: string; timestamp?: string };
  reject?: { reason?: string };
  failure?: { errorMessage?: string; templateName?: string };
}

/** What an SES event means for Herald: a report, or why it is not one. */
export type SesEventReading =
  | { kind: 'report'; report: ProviderReport }
  /** Not sent by Herald (no tags): nothing to map it to. */
  | { kind: 'untagged'; eventType: string; messageId?: string }
  /** An event type Herald does not record (Send, Open, Click, Subscription). */
  | { kind: 'ignored'; eventType: string };

const time = (iso: string | undefined, fallback: number) => {
  const parsed = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(parsed) ? fallback : parsed;
};

/**
 * Reads one SES event (the JSON SES publishes for a configuration set's event destination;
 * an SNS envelope around it is unwrapped). Permanent bounce -> bounced + suppressed; transient
 * bounce and delivery delay -> a detail; complaint -> complained + suppressed; reject and
 * rendering failure -> failed; delivery -> delivered.
 */
export function readSesEvent(body: unknown, now: number): SesEventReading {
  let event = body as SesEvent & { Type?: string; Message?: string };
  if (event?.Type === 'Notification' && typeof event.Message === 'string') {
    event = JSON.parse(event.Message) as SesEvent;
  }
  const eventType = String(
    event?.eventType ?? (event as { notificationType?: string })?.notificationType ?? 'unknown',
  );
  const ids = idsFromSesTags(event?.mail?.tags);
  if (!ids) {
    return {
      kind: 'untagged',
      eventType,
      ...(event?.mail?.messageId && { messageId: event.mail.messageId }),
    };
  }
  const base = {
    ...ids,
    ...(event.mail?.messageId && { providerMessageId: event.mail.messageId }),
  };
  const report = (extra: Omit<ProviderReport, keyof typeof base | 'occurredAt'>, at?: string) => ({
    kind: 'report' as const,
    report: { ...base, occurredAt: time(at, now), ...extra },
  });
  switch (eventType) {
    case 'Delivery':
      return report({ source: 'ses:Delivery', status: 'delivered' }, event.delivery?.timestamp);
    case 'Bounce': {
      const b = event.bounce ?? {};
      const kind = `${b.bounceType ?? 'Undetermined'}/${b.bounceSubType ?? 'General'}`;
      const diagnostic = b.bouncedRecipients?.[0]?.diagnosticCode;
      const text = `${kind}${diagnostic ? `: ${diagnostic}` : ''}`;
      if (b.bounceType === 'Permanent') {
        return report(
          {
            source: `ses:Bounce:${kind}`,
            status: 'bounced',
            reason: `bounced: ${text}`,
            suppress: 'bounce',
          },
          b.timestamp,
        );
      }
      return report(
        { source: `ses:Bounce:${kind}`, detail: `transient bounce: ${text}` },
        b.timestamp,
      );
    }
    case 'Complaint':
      return report(
        {
          source: `ses:Complaint:${event.complaint?.complaintFeedbackType ?? 'unspecified'}`,
          status: 'complained',
          suppress: 'complaint',
        },
        event.complaint?.timestamp,
      );
    case 'DeliveryDelay':
      return report(
        {
          source: 'ses:DeliveryDelay',
          detail: `delivery delayed: ${event.deliveryDelay?.delayType ?? 'unspecified'}`,
        },
        event.deliveryDelay?.timestamp,
      );
    case 'Reject':
      return report({
        source: 'ses:Reject',
        status: 'failed',
        reason: `rejected by SES: ${event.reject?.reason ?? 'unspecified'}`,
      });
    case 'Rendering Failure':
      return report({
        source: 'ses:RenderingFailure',
        status: 'failed',
        reason: `rendering failure: ${event.failure?.errorMessage ?? 'unspecified'}`,
      });
    default:
      return { kind: 'ignored', eventType };
  }
}
