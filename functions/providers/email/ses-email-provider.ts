import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { OutboundMessage } from '../../domain/types';
import type { ChannelProvider, ProviderReceipt } from '../channel-provider';
import { classifyAwsError, type ErrorCodeTable } from '../classify';

/** Settings for SesEmailProvider; `from` is the verified default sender. */
export interface SesEmailConfig {
  from: string;
  configurationSet?: string;
}

/*
 * MessageRejected / BadRequest / NotFound describe this request (bad address, content SES will
 * not send, unknown configuration set named in it). Account-level problems (suspended account,
 * paused sending, IAM) are transient so the message waits in the DLQ for the operator.
 */
const SES_ERRORS: ErrorCodeTable = {
  permanent: new Set([
    'MessageRejected',
    'MailFromDomainNotVerifiedException',
    'BadRequestException',
    'NotFoundException',
  ]),
  transient: new Set([
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
