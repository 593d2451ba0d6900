import type { ChannelProvider, ProviderReceipt, SendOptions } from '../../../core/delivery/ports';
import type { OutboundMessage } from '../../../core/notifications/model';
import { ProviderError } from '../../../core/shared/errors';
import { classifyNetworkError, errorMessage, parseRetryAfter } from '../classify';
import { twilioSuppression } from './twilio-address-codes';
import { twilioStatusCallbackUrl } from './twilio-callback';

/** The channels Twilio's Messages API carries for Herald. */
export type TwilioChannel = 'sms' | 'whatsapp';

/** Settings for TwilioMessagingProvider. One of `from` or `messagingServiceSid` is required. */
export interface TwilioMessagingConfig {
  accountSid: string;
  authToken: string;
  /** E.164 sender (for WhatsApp, with or without the `whatsapp:` prefix). */
  from?: string;
  messagingServiceSid?: string;
  /** The Twilio REST API's base URL. @default https://api.twilio.com/ */
  apiBaseUrl?: string;
  /** Herald's status callback route (`<API URL>/v1/providers/twilio/status`); none when absent. */
  statusCallbackUrl?: string;
}

const TWILIO_API = 'https://api.twilio.com/';

/*
 * Twilio error codes that describe the recipient or the message itself
 * (https://www.twilio.com/docs/api/errors). Any other code Twilio answers with HTTP 400 is about
 * the request's content too (21201 no To, 21620 bad media URL...): permanent, because sending the
 * same request again gets the same answer.
 */
const PERMANENT = new Set([
  21211, // invalid To number
  21214, // To number cannot be reached
  21217, // phone number does not appear to be valid
  21401, // invalid phone number
  21421, // phone number is invalid
  21602, // message body is required
  21604, // To is required
  21610, // recipient unsubscribed (replied STOP)
  21612, // To is not currently reachable via SMS / this channel
  21614, // To is not a mobile number
  21617, // body exceeds 1600 characters
  21635, // To cannot be a landline
  63003, // channel could not find the To address
  63016, // WhatsApp: free-form message outside the 24h window
  63024, // invalid message recipient
  63032, // recipient cannot receive this message
]);

/*
 * 400 codes about our account, sender or messaging service, not the message: transient, because
 * the operator can fix them while the message waits (see classify.ts). Codes answered with
 * another status (20003 auth is 401, 20404 is 404, 20429 is 429) are transient anyway.
 */
const CONFIGURATION = new Set([
  21212, // invalid From number
  21408, // permission to send to this region not enabled
  21603, // From is required
  21606, // From is not an SMS-capable number of this account
  21608, // trial account: To is not a verified number
  21611, // From has too many queued messages
  21659, // From is not a Twilio number
  21660, // From does not belong to this account
  21701, // messaging service not found
  21703, // messaging service has no senders
  21705, // messaging service is invalid
  63007, // WhatsApp: no channel for this From address
]);

/** WhatsApp free text outside the 24-hour session window. */
export const TWILIO_NEEDS_TEMPLATE = 63016;

/** What Herald says for 63016, wherever it is reported (send answer or status callback). */
export const NEEDS_TEMPLATE_REASON =
  'WhatsApp: the recipient has not messaged in the last 24 hours, so a free-form message cannot be sent: send an approved template (whatsapp.template.contentSid)';

/**
 * SMS and WhatsApp through Twilio's Messages API, called directly with fetch (one form POST):
 * the twilio package's REST client is 4 MB of bundle for this one call. Every message carries
 * Herald's statusCallback so delivery reports come back to the API.
 */
export class TwilioMessagingProvider<C extends TwilioChannel> implements ChannelProvider<C> {
  private readonly messagesUrl: string;
  private readonly authorization: string;

  constructor(
    readonly channel: C,
    private readonly config: TwilioMessagingConfig,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    if (config.from === undefined && config.messagingServiceSid === undefined) {
      throw new Error(`Twilio ${channel}: set a sender (from) or a messagingServiceSid`);
    }
    const base = config.apiBaseUrl ?? TWILIO_API;
    this.messagesUrl = new URL(
      `2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`,
      base.endsWith('/') ? base : `${base}/`,
    ).toString();
    this.authorization = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;
  }

  /** The same account sending from `sender`: a number, or a messaging service (MG...). */
  fromSender(sender: string): TwilioMessagingProvider<C> {
    const { from: _from, messagingServiceSid: _service, ...account } = this.config;
    const config = /^MG[0-9a-f]{32}$/i.test(sender)
      ? { ...account, messagingServiceSid: sender }
      : { ...account, from: sender };
    return new TwilioMessagingProvider(this.channel, config, this.fetchImpl);
  }

  async send(message: OutboundMessage<C>, options: SendOptions): Promise<ProviderReceipt> {
    const { from, messagingServiceSid, statusCallbackUrl } = this.config;
    const form = new URLSearchParams({ To: this.address(message.recipient) });
    // A messaging service picks the sender itself; an explicit From wins when both are set.
    if (from !== undefined) form.set('From', this.address(from));
    else form.set('MessagingServiceSid', messagingServiceSid as string);
    const content = message.content;
    if ('template' in content && content.template) {
      form.set('ContentSid', content.template.contentSid);
      if (content.template.variables) {
        form.set('ContentVariables', JSON.stringify(content.template.variables));
      }
    } else {
      form.set('Body', content.text ?? '');
    }
    if (statusCallbackUrl !== undefined) {
      form.set('StatusCallback', twilioStatusCallbackUrl(statusCallbackUrl, message));
    }

    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(this.messagesUrl, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        // Aborts the request itself at PROVIDER_TIMEOUT_MS: no call outlives its attempt.
        signal: options.signal,
      });
      text = await response.text();
    } catch (err) {
      // Once the form went out, Twilio may have accepted it: the outcome is unknown.
      throw (
        classifyNetworkError(err) ??
        new ProviderError('transient', 'network_error', errorMessage(err), {
          cause: err,
          outcomeUnknown: true,
        })
      );
    }
    const body = parseJson(text);
    if (response.ok && typeof body?.sid === 'string') return { providerMessageId: body.sid };
    throw classifyTwilioAnswer(response, body, text);
  }

  /** WhatsApp numbers travel as `whatsapp:+E164` in both To and From. */
  private address(number: string): string {
    if (this.channel !== 'whatsapp' || number.startsWith('whatsapp:')) return number;
    return `whatsapp:${number}`;
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Twilio's error resource: `{ code, message, more_info, status }`. */
function classifyTwilioAnswer(
  response: Response,
  body: Record<string, unknown> | undefined,
  text: string,
): ProviderError {
  const code = typeof body?.code === 'number' ? body.code : undefined;
  const message =
    typeof body?.message === 'string'
      ? body.message
      : `HTTP ${response.status}: ${text.slice(0, 200)}`;
  const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
  const suppress = twilioSuppression(code);
  const options = {
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    ...(suppress && { suppress }),
  };
  if (code === undefined) {
    return new ProviderError('transient', `http_${response.status}`, message, options);
  }
  const permanent = PERMANENT.has(code) || (response.status === 400 && !CONFIGURATION.has(code));
  const text63016 = code === TWILIO_NEEDS_TEMPLATE ? NEEDS_TEMPLATE_REASON : message;
  return new ProviderError(permanent ? 'permanent' : 'transient', String(code), text63016, options);
}
