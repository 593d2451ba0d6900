import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { OutboundMessage } from '../../../core/model';
import type { ChannelProvider, ProviderReceipt } from '../../../core/ports';
import { classifyAwsError, type ErrorCodeTable } from '../classify';

/** Settings for SesEmailProvider; `from` is the verified default sender. */
export interface SesEmailConfig {
  from: string;
  configurationSet?: string;
}

/*
 * MessageRejected / BadRequest describe this request (bad address, content SES will not send).
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

  async send(message: OutboundMessage<'email'>): Promise<ProviderReceipt> {
    const { subject, text, html, from, replyTo } = message.content;
    const command = new SendEmailCommand({
      FromEmailAddress: from ?? this.config.from,
      Destination: { ToAddresses: [message.recipient] },
      ...(replyTo !== undefined && { ReplyToAddresses: [replyTo] }),
      ...(this.config.configurationSet !== undefined && {
        ConfigurationSetName: this.config.configurationSet,
      }),
      Content: {
        Simple: {
          Subject: { Data: subject, Charset: 'UTF-8' },
          Body: {
            ...(text !== undefined && { Text: { Data: text, Charset: 'UTF-8' } }),
            ...(html !== undefined && { Html: { Data: html, Charset: 'UTF-8' } }),
          },
        },
      },
    });
    try {
      const result = await this.client.send(command);
      return result.MessageId === undefined ? {} : { providerMessageId: result.MessageId };
    } catch (err) {
      throw classifyAwsError(err, SES_ERRORS);
    }
  }
}
