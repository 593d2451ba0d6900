import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { ChannelProvider, ProviderReceipt, SendOptions } from '../../../core/delivery/ports';
import type { OutboundMessage } from '../../../core/notifications/model';
import { ProviderError } from '../../../core/shared/errors';
import { classifyAwsError, type ErrorCodeTable, errorMessage, stringProp } from '../classify';
import { sesTags } from './ses-tags';

/** Settings for SesEmailProvider; `from` is the verified default sender. */
export interface SesEmailConfig {
  from: string;
  configurationSet?: string;
  /** A tenant's identity in another account (SES sending authorization / the assumed role's). */
  identityArn?: string;
  /** The one-click unsubscribe URL of this message, if it gets one (runtime/unsubscribe-links.ts). */
  listUnsubscribe?: (message: OutboundMessage<'email'>) => Promise<string | undefined>;
}

/*
 * MessageRejected / BadRequest describe this request (bad address, content SES will not send),
 * except SES's identity check (see classifySesError): an unverified sender is ours to fix.
 * Account-level and configuration problems (suspended account, paused sending, IAM, an
 * unverified MAIL FROM domain, the configured configuration set missing: NotFound) are
 * transient, so they are retried while the operator fixes them (see classify.ts).
 */
const SES_ERRORS: ErrorCodeTable = {
  permanent: new Set(['MessageRejected', 'BadRequestException']),
  transient: new Set([
    'MailFromDomainNotVerifiedException',
    'NotFoundException',
    'TooManyRequestsException',
    'LimitExceededException',
    'SendingPausedException',
    'AccountSuspendedException',
    'InternalServiceErrorException',
    'InternalFailure',
    'ServiceUnavailable',
    'AccessDeniedException',
    'UnrecognizedClientException',
    'InvalidSignatureException',
    'ExpiredTokenException',
  ]),
};

/** Email through Amazon SES v2 `SendEmail`, one recipient per call. */
export class SesEmailProvider implements ChannelProvider<'email'> {
  readonly channel = 'email' as const;

  constructor(
    private readonly config: SesEmailConfig,
    private readonly client: SESv2Client = new SESv2Client({}),
  ) {}

  async send(message: OutboundMessage<'email'>, options: SendOptions): Promise<ProviderReceipt> {
    const { subject, text, html, from, replyTo } = message.content;
    // RFC 8058: both headers, in the signed part of the message (SES signs custom headers).
    const unsubscribe = await this.config.listUnsubscribe?.(message).catch((cause: unknown) => {
      // The signing key could not be read: retried, never sent without its unsubscribe link.
      throw new ProviderError('transient', 'UnsubscribeKey', 'unsubscribe link not signed', {
        cause,
      });
    });
    const command = new SendEmailCommand({
      FromEmailAddress: lowerCaseDomain(from ?? this.config.from),
      ...(this.config.identityArn !== undefined && {
        FromEmailAddressIdentityArn: this.config.identityArn,
      }),
      Destination: { ToAddresses: [message.recipient] },
      ...(replyTo !== undefined && { ReplyToAddresses: [replyTo] }),
      ...(this.config.configurationSet !== undefined && {
        ConfigurationSetName: this.config.configurationSet,
      }),
      // Bounce, complaint and delivery events carry these back to the feedback function.
      EmailTags: sesTags(message),
      Content: {
        Simple: {
          Subject: { Data: subject, Charset: 'UTF-8' },
          Body: {
            ...(text !== undefined && { Text: { Data: text, Charset: 'UTF-8' } }),
            ...(html !== undefined && { Html: { Data: html, Charset: 'UTF-8' } }),
          },
          ...(unsubscribe && {
            Headers: [
              { Name: 'List-Unsubscribe', Value: `<${unsubscribe}>` },
              { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
            ],
          }),
        },
      },
    });
    try {
      // The signal really aborts the request (the SDK's requestTimeout alone only logs).
      const result = await this.client.send(command, { abortSignal: options.signal });
      return result.MessageId === undefined ? {} : { providerMessageId: result.MessageId };
    } catch (err) {
      throw classifySesError(err, message.recipient);
    }
  }
}

/**
 * The From with its domain lower-cased (domains are case-insensitive; the local part is kept).
 * With `sesSandbox` the function's IAM policy allows only a From at the sender's domain, matched
 * case-sensitively by StringLike, while the API accepts the domain in any case.
 */
export function lowerCaseDomain(from: string): string {
  return from.replace(/@([^@<>\s]+)(>?)\s*$/, (_all, domain: string, close: string) => {
    return `@${domain.toLowerCase()}${close}`;
  });
}

/** SES's identity check, as its error text words it (SES developer guide, "sending errors"). */
const NOT_VERIFIED =
  /Email address is not verified\. The following identities failed the check in region [^:]*:(.*)$/is;

/** The reason recorded for a sandbox rejection of the recipient (issue 13 relies on it). */
export const SANDBOX_RECIPIENT_REASON = 'SES sandbox: recipient not verified';

/**
 * SES answers MessageRejected "Email address is not verified. The following identities failed
 * the check in region R: a, b" both for an unverified sender identity and, in the sandbox, for
 * an unverified recipient. The recipient listed: permanent (this address cannot receive while
 * the account is in the sandbox). Only our own sender listed (or the list cut short without the
 * recipient): transient, the operator's configuration, retried while it is fixed.
 */
export function classifySesError(err: unknown, recipient: string): ProviderError {
  const classified = classifyAwsError(err, SES_ERRORS);
  if (stringProp(err, 'name') !== 'MessageRejected') return classified;
  const listed = NOT_VERIFIED.exec(errorMessage(err))?.[1];
  if (listed === undefined) return classified;
  const identities = listed.split(',').map((identity) =>
    identity
      .trim()
      .replace(/\.{3}$|…$/, '')
      .toLowerCase(),
  );
  if (identities.includes(recipient.toLowerCase())) {
    return new ProviderError('permanent', 'MessageRejected', SANDBOX_RECIPIENT_REASON, {
      cause: err,
    });
  }
  return new ProviderError(
    'transient',
    'MessageRejected',
    `sender identity not verified: ${errorMessage(err)}`,
    { cause: err },
  );
}
