import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { smsSegments } from '../../functions/core/providers/segments';
import { readText, replyJson } from '../emulators/net';
import { Faults } from './faults';
import type { FailureInjector, Outbox } from './outbox';
import type { ProviderRates } from './rate-enforcer';

/** Where the fake records and how it decides to fail. */
export interface TwilioFakeOptions {
  outbox: Outbox;
  failures: FailureInjector;
  /** Outages and latency set through `/_local/faults`; none when absent. */
  faults?: Faults;
  host?: string;
  port?: number;
  /** Auth token per account SID: status callbacks are signed with it, as Twilio does. */
  authTokens?: Record<string, string>;
  /** The documented send rates per sender; none enforced when absent. */
  rates?: ProviderRates;
  log?: (line: string) => void;
}

/** A running fake; `url` replaces `https://api.twilio.com/`. */
export interface RunningTwilioFake {
  url: string;
  /** Status callbacks made so far (URL, form, answer), oldest first. */
  callbacks: { url: string; params: Record<string, string>; status: number }[];
  close(): Promise<void>;
}

/**
 * What Twilio reports after the send, by the number's last four digits: 0004 is undelivered
 * (30003, unreachable handset), 0005 has replied STOP (21610), 3005 is undelivered (30005, unknown
 * handset: the number does not exist); every other number is delivered, and a WhatsApp message
 * is then read.
 */
function callbackSequence(
  channel: 'sms' | 'whatsapp',
  recipient: string,
): { MessageStatus: string; ErrorCode?: string }[] {
  const sent = { MessageStatus: 'sent' };
  if (recipient.endsWith('0004'))
    return [sent, { MessageStatus: 'undelivered', ErrorCode: '30003' }];
  if (recipient.endsWith('0005')) return [sent, { MessageStatus: 'failed', ErrorCode: '21610' }];
  if (recipient.endsWith('3005'))
    return [sent, { MessageStatus: 'undelivered', ErrorCode: '30005' }];
  const delivered = [sent, { MessageStatus: 'delivered' }];
  return channel === 'whatsapp' ? [...delivered, { MessageStatus: 'read' }] : delivered;
}

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const ACCOUNT_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\.json$/;

/**
 * A fake Twilio Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`). Errors use
 * Twilio's JSON error resource (`code`, `message`, `more_info`, `status`), which twilio's
 * RestException parses.
 */
export async function startTwilio(options: TwilioFakeOptions): Promise<RunningTwilioFake> {
  const {
    outbox,
    failures,
    faults = new Faults(),
    host = '127.0.0.1',
    port = 0,
    authTokens = {},
  } = options;
  const log = options.log ?? (() => undefined);
  const callbacks: RunningTwilioFake['callbacks'] = [];

  /** Posts each status to the message's StatusCallback, in order, signed as Twilio signs. */
  async function callBack(
    url: string,
    accountSid: string,
    fields: Record<string, string>,
    sequence: { MessageStatus: string; ErrorCode?: string }[],
  ): Promise<void> {
    const token = authTokens[accountSid];
    if (token === undefined) return;
    for (const step of sequence) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const params: Record<string, string> = { ...fields, ...step, SmsStatus: step.MessageStatus };
      try {
        const answer = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': getExpectedTwilioSignature(token, url, params),
          },
          body: new URLSearchParams(params).toString(),
        });
        await answer.arrayBuffer();
        callbacks.push({ url, params, status: answer.status });
      } catch (error) {
        log(`[twilio] status callback failed: ${String(error)}`);
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => twilioError(res, 500, 20500, String(err)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const fetched = ACCOUNT_PATH.exec(path)?.[1];
    const accountSid = MESSAGES_PATH.exec(path)?.[1] ?? fetched;
    if (accountSid === undefined) {
      return twilioError(res, 404, 20404, `The requested resource ${path} was not found`);
    }
    // Every account is known by the first token it is used with (each tenant's own account);
    // a token containing `invalid` (the local convention) or another than that one is refused.
    const token = basicAuthToken(req.headers.authorization, accountSid);
    if (token === undefined || token.includes('invalid')) {
      return twilioError(res, 401, 20003, 'Authenticate');
    }
    authTokens[accountSid] ??= token;
    if (authTokens[accountSid] !== token) return twilioError(res, 401, 20003, 'Authenticate');
    if (fetched !== undefined && req.method === 'GET') {
      return replyJson(res, 200, { sid: accountSid, status: 'active', type: 'Full' });
    }
    if (req.method !== 'POST') return twilioError(res, 405, 20004, 'Method not allowed');

    const form = new URLSearchParams(await readText(req));
    const to = form.get('To');
    const from = form.get('From');
    const messagingServiceSid = form.get('MessagingServiceSid');
    const body = form.get('Body');
    const contentSid = form.get('ContentSid');
    const contentVariables = form.get('ContentVariables');
    const statusCallback = form.get('StatusCallback');
    if (!to) return twilioError(res, 400, 21604, "A 'To' phone number is required.");
    if (!from && !messagingServiceSid) {
      return twilioError(res, 400, 21603, "A 'From' phone number is required.");
    }
    if (!body && !contentSid) return twilioError(res, 400, 21602, 'Message body is required.');

    const whatsapp = to.startsWith('whatsapp:');
    const channel = whatsapp ? 'whatsapp' : 'sms';
    const recipient = whatsapp ? to.slice('whatsapp:'.length) : to;
    const sender = from ?? messagingServiceSid ?? '';
    if (faults.outage(channel, sender.replace('whatsapp:', ''))) {
      await faults.delay(channel);
      // Twilio's error resource for an outage: HTTP 503, code 20503 (Service Unavailable).
      return twilioError(res, 503, 20503, 'Service Unavailable');
    }
    const units = whatsapp ? 1 : smsSegments(body ?? '').segments;
    if (options.rates && !options.rates.twilio(sender, whatsapp, units)) {
      return twilioError(res, 429, 20429, 'Too Many Requests');
    }
    const failure = failures.next(channel, recipient);
    if (failure === 'permanent') {
      return twilioError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    }
    if (failure === 'transient') return twilioError(res, 429, 20429, 'Too Many Requests');
    // A WhatsApp number ending in 0006 is outside its 24-hour session: templates only.
    if (whatsapp && !contentSid && recipient.endsWith('0006')) {
      return twilioError(
        res,
        400,
        63016,
        'Failed to send freeform message because you are outside the allowed window.',
      );
    }

    const sid = `SM${randomBytes(16).toString('hex')}`;
    outbox.add({
      channel,
      recipient,
      content: {
        ...(body && { text: body }),
        ...(contentSid && { contentSid }),
        ...(contentVariables && { contentVariables: JSON.parse(contentVariables) as unknown }),
        from: from ?? messagingServiceSid,
      },
      account: accountSid,
      providerMessageId: sid,
    });
    await faults.delay(channel, { response: res, recipient });
    if (statusCallback) {
      const fields = {
        MessageSid: sid,
        SmsSid: sid,
        AccountSid: accountSid,
        From: from ?? '',
        To: to,
        ApiVersion: '2010-04-01',
      };
      void callBack(statusCallback, accountSid, fields, callbackSequence(channel, recipient));
    }
    const now = new Date().toUTCString().replace('GMT', '+0000');
    replyJson(res, 201, {
      sid,
      account_sid: accountSid,
      api_version: '2010-04-01',
      body,
      date_created: now,
      date_updated: now,
      date_sent: null,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from,
      messaging_service_sid: messagingServiceSid,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      status: messagingServiceSid && !from ? 'accepted' : 'queued',
      subresource_uris: {
        media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json`,
      },
      to,
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    });
  }

  // Longer than the SDK keeps idle sockets, so a reused connection is never closed mid-request.

  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}/`,
    callbacks,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The password of Basic credentials whose user is `accountSid`. */
function basicAuthToken(header: string | undefined, accountSid: string): string | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon >= decoded.length - 1) return undefined;
  return decoded.slice(0, colon) === accountSid ? decoded.slice(colon + 1) : undefined;
}

function twilioError(res: ServerResponse, status: number, code: number, message: string): void {
  replyJson(res, status, {
    code,
    message,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  });
}
