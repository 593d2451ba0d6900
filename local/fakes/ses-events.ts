import { randomUUID } from 'node:crypto';
/** The part of an SES v2 SendEmail request the Outbox shows. */
export interface SendEmailRequest {
  FromEmailAddressIdentityArn?: string;
  ConfigurationSetName?: string;
  EmailTags?: { Name?: string; Value?: string }[];
  FromEmailAddress?: string;
  ReplyToAddresses?: string[];
  Destination?: { ToAddresses?: string[] };
  Content?: {
    Simple?: {
      Subject?: { Data?: string };
      Body?: { Text?: { Data?: string }; Html?: { Data?: string } };
      Headers?: { Name?: string; Value?: string }[];
    };
  };
}

/**
 * SES's feedback, as event publishing would send it a moment after the send: per recipient, a
 * recipient containing `bounce` hard-bounces, `complaint` is delivered and then complains,
 * `delay` is delayed and then delivered; everyone else gets a Delivery event.
 */
export function publishEvents(
  request: SendEmailRequest,
  messageId: string,
  configurationSet: string,
  publish: (configurationSet: string, event: unknown) => void,
): void {
  const tags: Record<string, string[]> = {
    'ses:configuration-set': [configurationSet],
    'ses:from-domain': [request.FromEmailAddress?.split('@')[1]?.replace(/>$/, '') ?? ''],
  };
  for (const tag of request.EmailTags ?? []) {
    if (tag.Name && tag.Value !== undefined) tags[tag.Name] = [tag.Value];
  }
  const destination = request.Destination?.ToAddresses ?? [];
  const mail = () => ({
    timestamp: new Date().toISOString(),
    source: request.FromEmailAddress,
    sendingAccountId: '000000000000',
    messageId,
    destination,
    tags,
  });
  const now = () => new Date().toISOString();
  const later = (ms: number, event: () => unknown) =>
    setTimeout(() => publish(configurationSet, event()), ms).unref();
  const delivery = (recipient: string) => () => ({
    eventType: 'Delivery',
    mail: mail(),
    delivery: {
      timestamp: now(),
      processingTimeMillis: 50,
      recipients: [recipient],
      smtpResponse: '250 2.6.0 Message received',
      reportingMTA: 'a8-1.smtp-out.amazonses.com',
    },
  });
  for (const recipient of destination) {
    if (recipient.includes('bounce')) {
      later(20, () => ({
        eventType: 'Bounce',
        mail: mail(),
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: [
            {
              emailAddress: recipient,
              action: 'failed',
              status: '5.1.1',
              diagnosticCode: 'smtp; 550 5.1.1 user unknown',
            },
          ],
          timestamp: now(),
          feedbackId: randomUUID(),
        },
      }));
    } else if (recipient.includes('complaint')) {
      later(20, delivery(recipient));
      later(80, () => ({
        eventType: 'Complaint',
        mail: mail(),
        complaint: {
          complainedRecipients: [{ emailAddress: recipient }],
          complaintFeedbackType: 'abuse',
          timestamp: now(),
          feedbackId: randomUUID(),
        },
      }));
    } else if (recipient.includes('delay')) {
      later(20, () => ({
        eventType: 'DeliveryDelay',
        mail: mail(),
        deliveryDelay: {
          delayType: 'MailboxFull',
          delayedRecipients: [{ emailAddress: recipient, status: '4.2.2' }],
          timestamp: now(),
        },
      }));
      later(300, delivery(recipient));
    } else {
      later(20, delivery(recipient));
    }
  }
}
