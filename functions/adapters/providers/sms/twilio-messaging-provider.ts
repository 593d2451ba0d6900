import twilio from 'twilio';
import type TwilioRequestClient from 'twilio/lib/base/RequestClient';
import { ProviderError } from '../../../core/errors';
import type { OutboundMessage } from '../../../core/model';
import { PROVIDER_TIMEOUT_MS } from '../../../core/model';
import type { ChannelProvider, ProviderReceipt, SendOptions } from '../../../core/ports';
import { classifyNetworkError, errorMessage, unknownProviderError } from '../classify';

/** The channels Twilio's Messages API carries for Herald. */
export type TwilioChannel = 'sms' | 'whatsapp';

/** Settings for TwilioMessagingProvider. One of `from` or `messagingServiceSid` is required. */
export interface TwilioMessagingConfig {
  accountSid: string;
  authToken: string;
  /** E.164 sender (for WhatsApp, with or without the `whatsapp:` prefix). */
  from?: string;
  messagingServiceSid?: string;
  /** Base URL that replaces `https://api.twilio.com/` (local fake only). */
  apiBaseUrl?: string;
}

/*
 * Twilio error codes that describe the recipient or the message itself
 * (https://www.twilio.com/docs/api/errors). Codes about our account, sender number or messaging
 * service (20003 auth, 20404, 21606, 21659, 21703...) are deliberately absent: like unknown
 * codes they are transient, because they are operator configuration (see classify.ts).
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

/** SMS and WhatsApp through Twilio's Messages API (`messages.create`). */
export class TwilioMessagingProvider<C extends TwilioChannel> implements ChannelProvider<C> {
  private readonly client: twilio.Twilio;

  constructor(
    readonly channel: C,
    private readonly config: TwilioMessagingConfig,
    client?: twilio.Twilio,
  ) {
    if (config.from === undefined && config.messagingServiceSid === undefined) {
      throw new Error(`Twilio ${channel}: set a sender (from) or a messagingServiceSid`);
    }
    this.client =
      client ??
      twilio(
        config.accountSid,
        config.authToken,
        config.apiBaseUrl === undefined
          ? { timeout: PROVIDER_TIMEOUT_MS, autoRetry: false }
          : { httpClient: new RebasedRequestClient(config.apiBaseUrl) },
      );
  }

  async send(message: OutboundMessage<C>, _options: SendOptions): Promise<ProviderReceipt> {
    const { from, messagingServiceSid } = this.config;
    try {
      const created = await this.client.messages.create({
        to: this.address(message.recipient),
        body: message.content.text,
        // A messaging service picks the sender itself; an explicit From wins when both are set.
        ...(from !== undefined
          ? { from: this.address(from) }
          : { messagingServiceSid: messagingServiceSid as string }),
      });
      return { providerMessageId: created.sid };
    } catch (err) {
      throw classifyTwilioError(err);
    }
  }

  /** WhatsApp numbers travel as `whatsapp:+E164` in both To and From. */
  private address(number: string): string {
    if (this.channel !== 'whatsapp' || number.startsWith('whatsapp:')) return number;
    return `whatsapp:${number}`;
  }
}

/**
 * The documented seam for pointing twilio at another server: a RequestClient that keeps every
 * path and query but swaps the `https://*.twilio.com` origin for the fake's base URL.
 */
class RebasedRequestClient extends twilio.RequestClient {
  private readonly base: URL;

  constructor(apiBaseUrl: string) {
    // autoRetry off: the SDK must never send a second request inside one attempt.
    super({ timeout: PROVIDER_TIMEOUT_MS, autoRetry: false });
    this.base = new URL(apiBaseUrl.endsWith('/') ? apiBaseUrl : `${apiBaseUrl}/`);
  }

  override request<TData>(opts: TwilioRequestClient.RequestOptions<TData>) {
    const original = new URL(opts.uri);
    const uri = new URL(`${original.pathname.slice(1)}${original.search}`, this.base).toString();
    return super.request({ ...opts, uri });
  }
}

function classifyTwilioError(err: unknown): ProviderError {
  if (err instanceof twilio.RestException) {
    const code = err.code === undefined ? `http_${err.status}` : String(err.code);
    const permanent = err.code !== undefined && PERMANENT.has(err.code);
    return new ProviderError(permanent ? 'permanent' : 'transient', code, errorMessage(err), {
      cause: err,
    });
  }
  return classifyNetworkError(err) ?? unknownProviderError(err);
}
