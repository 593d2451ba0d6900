import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readText, replyJson } from '../emulators/net';
import { Faults } from './faults';
import type { FailureInjector, Outbox } from './outbox';
import type { ProviderRates } from './rate-enforcer';

/** Where the fake records and how it decides to fail. */
export interface SlackFakeOptions {
  outbox: Outbox;
  failures: FailureInjector;
  /** Outages and latency set through `/_local/faults`; none when absent. */
  faults?: Faults;
  /** The documented send rates per channel; none enforced when absent. */
  rates?: ProviderRates;
  host?: string;
  port?: number;
}

/** A running fake; `url` ends in `/api/`, ready for WebClient's `slackApiUrl`. */
export interface RunningSlackFake {
  url: string;
  close(): Promise<void>;
}

/**
 * A fake Slack Web API answering `chat.postMessage` the way Slack does: HTTP 200 with
 * `{ ok: false, error }` for API errors, and HTTP 429 with `Retry-After` when rate limited.
 */
export async function startSlack(options: SlackFakeOptions): Promise<RunningSlackFake> {
  const { outbox, failures, faults = new Faults(), host = '127.0.0.1', port = 0 } = options;
  let sequence = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) =>
      replyJson(res, 500, { ok: false, error: String(err) }),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (req.method !== 'POST' || !path.startsWith('/api/')) {
      return replyJson(res, 404, { ok: false, error: 'unknown_method' });
    }
    const params = parseBody(req.headers['content-type'], await readText(req));
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : params.token;
    if (typeof token !== 'string' || token === '')
      return replyJson(res, 200, { ok: false, error: 'not_authed' });
    // The local convention: a token containing `invalid` is refused, as a revoked one is.
    if (token.includes('invalid')) return replyJson(res, 200, { ok: false, error: 'invalid_auth' });
    if (path === '/api/auth.test') {
      return replyJson(res, 200, {
        ok: true,
        team: 'local',
        user_id: `U${botOf(token)}`,
        bot_id: `B${botOf(token)}`,
      });
    }
    if (path !== '/api/chat.postMessage')
      return replyJson(res, 200, { ok: false, error: 'unknown_method' });

    const channel = params.channel;
    if (typeof channel !== 'string' || channel === '') {
      return replyJson(res, 200, { ok: false, error: 'channel_not_found' });
    }
    const text = typeof params.text === 'string' ? params.text : undefined;
    const blocks = parseBlocks(params.blocks);
    if (blocks === 'invalid') return replyJson(res, 200, { ok: false, error: 'invalid_blocks' });
    if (!text && blocks === undefined) return replyJson(res, 200, { ok: false, error: 'no_text' });

    if (faults.outage('slack', channel)) {
      await faults.delay('slack');
      // Slack's front end answers 503 while the API is down; the SDK raises an HTTP error.
      return replyJson(res, 503, { ok: false, error: 'service_unavailable' });
    }
    if (options.rates && !options.rates.slack(token, channel)) {
      return replyJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
    }
    const failure = failures.next('slack', channel);
    if (failure === 'permanent')
      return replyJson(res, 200, { ok: false, error: 'channel_not_found' });
    if (failure === 'transient') {
      return replyJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
    }

    sequence += 1;
    const ts = `${Math.floor(Date.now() / 1000)}.${String(sequence).padStart(6, '0')}`;
    outbox.add({
      channel: 'slack',
      recipient: channel,
      content: { text, ...(blocks !== undefined && { blocks }) },
      account: botOf(token),
      providerMessageId: ts,
    });
    await faults.delay('slack', { response: res, recipient: channel });
    replyJson(res, 200, {
      ok: true,
      channel,
      ts,
      message: { type: 'message', text: text ?? '', ts, ...(blocks !== undefined && { blocks }) },
    });
  }

  // Longer than the SDK keeps idle sockets, so a reused connection is never closed mid-request.

  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}/api/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Which bot a token is, for the outbox: its last six characters (the token itself never shown). */
function botOf(token: string): string {
  return token.slice(-6);
}

/** The SDK sends forms with JSON-encoded nested values; other clients send JSON bodies. */
function parseBody(contentType: string | undefined, raw: string): Record<string, unknown> {
  if (contentType?.includes('application/json')) {
    const parsed: unknown = raw === '' ? {} : JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

function parseBlocks(value: unknown): unknown[] | 'invalid' | undefined {
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') return 'invalid';
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : 'invalid';
  } catch {
    return 'invalid';
  }
}
