import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sesLocal from 'aws-ses-v2-local';
import { closeServer, readBody } from '../emulators/net';
import { Faults } from './faults';
import type { FailureInjector, InjectedFailure, Outbox } from './outbox';
import type { ProviderRates } from './rate-enforcer';
import { publishEvents, type SendEmailRequest } from './ses-events';
import {
  accountsAnswer,
  type FakeAnswer,
  SesAccounts,
  type SesCaller,
  sentAs,
} from './ses-identities';

/** Where the fake records and how it decides to fail. */
export interface SesFakeOptions {
  outbox: Outbox;
  failures: FailureInjector;
  /** Outages and latency set through `/_local/faults`; none when absent. */
  faults?: Faults;
  host?: string;
  port?: number;
  /**
   * Where SES events go for a send that names a configuration set (configuration set -> SNS
   * topic, see local/feedback.ts). Without it the fake publishes nothing.
   */
  publishEvent?: (configurationSet: string, event: unknown) => void;
  /** The accounts' sending quotas (scaled like the other fakes'); none enforced when absent. */
  rates?: ProviderRates;
  /** The accounts behind SES and STS (tenants' roles); a new set when absent. */
  accounts?: SesAccounts;
}

/** A running fake; `url` is what AWS_ENDPOINT_URL_SESV2 should be set to. */
export interface RunningSesFake {
  url: string;
  /** The aws-ses-v2-local server behind the proxy (its `/` is a mail viewer). */
  emulatorUrl: string;
  /** Who may send as which identity; also answers STS (AWS_ENDPOINT_URL_STS). */
  accounts: SesAccounts;
  close(): Promise<void>;
}

const SEND_EMAIL_PATH = '/v2/email/outbound-emails';

// The package is CommonJS with `exports.default`; depending on the loader the default import is
// either that function or the whole exports object.
const startEmulator: typeof sesLocal =
  typeof sesLocal === 'function'
    ? sesLocal
    : (sesLocal as unknown as { default: typeof sesLocal }).default;

/**
 * aws-ses-v2-local behind a small proxy. The emulator stores and renders mail; the proxy adds
 * the local failure convention, answering in SES v2's REST-JSON error shape
 * (`x-amzn-ErrorType` + `{ message }`), and records accepted mail in the Outbox.
 */
export async function startSes(options: SesFakeOptions): Promise<RunningSesFake> {
  const {
    outbox,
    failures,
    faults = new Faults(),
    host = '127.0.0.1',
    port = 0,
    publishEvent,
    accounts = new SesAccounts(),
    rates,
  } = options;
  // 127.0.0.1, never the emulator's default of every interface.
  const emulator: Server = await startEmulator({ host: '127.0.0.1', port: 0 });
  const emulatorUrl = `http://127.0.0.1:${(emulator.address() as AddressInfo).port}`;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) =>
      sesError(res, 500, 'InternalFailure', `Local SES fake failed: ${String(err)}`),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const own = accountsAnswer(accounts, req, path, body);
    if (own) return answer(res, own);
    if (req.method === 'POST' && path === SEND_EMAIL_PATH && faults.outage('email')) {
      await faults.delay('email');
      // What SES answers while the service is down; the SDK and the adapter call it retryable.
      return sesError(res, 503, 'ServiceUnavailable', 'Service Unavailable');
    }
    if (req.method === 'POST' && path === SEND_EMAIL_PATH) {
      const failure = injectedFailure(body);
      if (failure === 'permanent') {
        return sesError(
          res,
          400,
          'MessageRejected',
          'Email address is not verified. The following identities failed the check: recipient',
        );
      }
      // Over the calling account's sending quota: SES's throttling answer.
      if (failure === 'transient' || (rates && !rates.ses(accounts.callerOf(req).account))) {
        return sesError(res, 429, 'TooManyRequestsException', 'Maximum sending rate exceeded.');
      }
    }

    const upstream = await fetch(`${emulatorUrl}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers: forwardHeaders(req),
      ...(body.length > 0 && { body }),
    });
    const text = await upstream.text();
    const headers: Record<string, string> = {
      'content-type': upstream.headers.get('content-type') ?? 'application/json',
      'x-amzn-requestid': randomUUID(),
    };
    // The emulator answers its own validation errors without an error type; SES calls those
    // BadRequestException, which is what the SDK needs to name the error.
    if (upstream.status === 400) headers['x-amzn-errortype'] = 'BadRequestException';
    if (req.method === 'POST' && path === SEND_EMAIL_PATH && upstream.status === 200) {
      record(text, body, accounts.callerOf(req));
      const to = (JSON.parse(body.toString('utf8')) as SendEmailRequest).Destination?.ToAddresses;
      await faults.delay('email', { response: res, recipient: to?.join(',') ?? '' });
    }
    res.writeHead(upstream.status, headers);
    res.end(text);
  }

  function injectedFailure(body: Buffer): InjectedFailure {
    let to: unknown;
    try {
      to = (JSON.parse(body.toString('utf8')) as { Destination?: { ToAddresses?: unknown } })
        .Destination?.ToAddresses;
    } catch {
      return undefined;
    }
    if (!Array.isArray(to)) return undefined;
    // Every recipient counts an attempt, so fail-transient behaves the same in multi-To mail.
    const outcomes = to.map((r) => (typeof r === 'string' ? failures.next('email', r) : undefined));
    if (outcomes.includes('permanent')) return 'permanent';
    return outcomes.includes('transient') ? 'transient' : undefined;
  }

  /**
   * Records the accepted mail from the SendEmail request itself: reading it back from the
   * emulator's store cost a second HTTP round trip per message and dominated the fake's time.
   */
  function record(responseText: string, requestBody: Buffer, caller: SesCaller): void {
    const { MessageId: messageId } = JSON.parse(responseText) as { MessageId?: string };
    const request = JSON.parse(requestBody.toString('utf8')) as SendEmailRequest;
    const simple = request.Content?.Simple;
    if (!messageId || !simple) return;
    if (request.ConfigurationSetName && publishEvent) {
      publishEvents(request, messageId, request.ConfigurationSetName, publishEvent);
    }
    const replyTo = request.ReplyToAddresses ?? [];
    for (const recipient of request.Destination?.ToAddresses ?? []) {
      outbox.add({
        channel: 'email',
        recipient,
        content: {
          subject: simple.Subject?.Data,
          text: simple.Body?.Text?.Data,
          html: simple.Body?.Html?.Data,
          from: request.FromEmailAddress,
          // The identity it went out as (the ARN it named, else the From's domain).
          identity: sentAs(request),
          ...(replyTo.length > 0 && { replyTo }),
          // Custom headers as sent (List-Unsubscribe, List-Unsubscribe-Post).
          ...(simple.Headers?.length && {
            headers: Object.fromEntries(simple.Headers.map((h) => [h.Name, h.Value])),
          }),
        },
        providerMessageId: messageId,
        // Which account (the stack's, or a tenant's through its role) sent it.
        account: caller.account,
      });
    }
  }

  // Longer than the SDK keeps idle sockets, so a reused connection is never closed mid-request.
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    emulatorUrl,
    accounts,
    close: async () => {
      await Promise.all([closeServer(server), closeServer(emulator)]);
    },
  };
}

function forwardHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || ['host', 'connection', 'content-length'].includes(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function answer(res: ServerResponse, a: FakeAnswer): void {
  res.writeHead(a.status, {
    'content-type': a.contentType,
    'x-amzn-requestid': randomUUID(),
    ...(a.errorType && { 'x-amzn-errortype': a.errorType }),
  });
  res.end(a.body);
}

function sesError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
    'x-amzn-requestid': randomUUID(),
  });
  res.end(JSON.stringify({ message }));
}
