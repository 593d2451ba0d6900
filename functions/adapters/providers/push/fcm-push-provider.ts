import { sign } from 'node:crypto';
import type { ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import {
  type App,
  type Credential,
  cert,
  type GoogleOAuthAccessToken,
  getApps,
  initializeApp,
} from 'firebase-admin/app';
import { getMessaging, type Messaging } from 'firebase-admin/messaging';
import { ProviderError } from '../../../core/errors';
import type { OutboundMessage } from '../../../core/model';
import type { ChannelProvider, ProviderReceipt } from '../../../core/ports';
import {
  classifyNetworkError,
  errorMessage,
  headerValue,
  parseRetryAfter,
  stringProp,
  unknownProviderError,
} from '../classify';

/** The fields of a Google service-account key file that firebase-admin needs. */
export interface ServiceAccountJson {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
  [key: string]: unknown;
}

/** Settings for FcmPushProvider: the service-account key and, locally, the fake's base URL. */
export interface FcmPushConfig {
  serviceAccount: ServiceAccountJson;
  /**
   * Every FCM and OAuth connection goes to this `http://host:port` instead (local fake only):
   * firebase-admin has no endpoint option, but its requests honour an `httpAgent`.
   */
  apiBaseUrl?: string;
}

/**
 * An https.Agent whose sockets are plain TCP connections to one local host:port. The SDKs keep
 * building `https://fcm.googleapis.com/...` and `https://oauth2.googleapis.com/token` requests;
 * only the transport underneath is swapped, so the request bytes are exactly what FCM would get.
 */
class LocalRedirectAgent extends HttpsAgent {
  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    super({ keepAlive: true });
  }

  override createConnection(
    _options: ClientRequestArgs,
    _callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex {
    return net.connect(this.port, this.host);
  }
}

/** FCM error codes (without the `messaging/` prefix) that no retry can fix. */
const PERMANENT = new Set([
  'registration-token-not-registered',
  'invalid-registration-token',
  'invalid-argument',
  'invalid-recipient',
  'invalid-payload',
  'invalid-data-payload-key',
  'payload-size-limit-exceeded',
  'invalid-options',
  'invalid-package-name',
  'installation-id-not-registered',
]);

/*
 * Everything else is transient, including `mismatched-credential`, `third-party-auth-error`,
 * `authentication-error` and `app/invalid-credential`: those are our project's configuration
 * (wrong service account, APNs key), retried while the operator fixes it (see classify.ts).
 */

/** Push notifications through FCM HTTP v1 (`messages:send`), one device token per call. */
export class FcmPushProvider implements ChannelProvider<'push'> {
  readonly channel = 'push' as const;
  private readonly messaging: Messaging;

  constructor(config: FcmPushConfig, messaging?: Messaging) {
    this.messaging = messaging ?? getMessaging(appFor(config));
  }

  async send(message: OutboundMessage<'push'>): Promise<ProviderReceipt> {
    const { title, body, data } = message.content;
    try {
      // send(), not sendEach(): sendEach speaks HTTP/2 and would ignore the agent.
      const name = await this.messaging.send({
        token: message.recipient,
        notification: { title, body },
        ...(data !== undefined && { data }),
      });
      return { providerMessageId: name };
    } catch (err) {
      throw classifyFcmError(err);
    }
  }
}

/**
 * One firebase-admin app per service-account key: a rotated key gets a new app, while rebuilding
 * a provider with the same key reuses the app (initializeApp throws on a duplicate name).
 */
function appFor(config: FcmPushConfig): App {
  const account = config.serviceAccount;
  const name = `herald-fcm:${account.project_id}:${account.private_key_id ?? account.client_email}:${config.apiBaseUrl ?? ''}`;
  const existing = getApps().find((app) => app.name === name);
  if (existing) return existing;

  if (config.apiBaseUrl === undefined) {
    return initializeApp(
      {
        credential: cert({
          projectId: account.project_id,
          clientEmail: account.client_email,
          privateKey: account.private_key,
        }),
        projectId: account.project_id,
      },
      name,
    );
  }
  const agent = localAgent(config.apiBaseUrl);
  return initializeApp(
    {
      // Not cert(account, agent): firebase-admin 14.5 builds the token client from a key
      // object without its client options, so the agent never reaches the OAuth request
      // (only a key *file path* keeps it). This credential makes the same JWT-bearer
      // grant to the same URL through the agent, so both calls still reach the fake.
      credential: new AgentJwtCredential(account, agent),
      projectId: account.project_id,
      httpAgent: agent,
    },
    name,
  );
}

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/** Service-account OAuth (RFC 7523 JWT-bearer grant) sent through a given agent. */
class AgentJwtCredential implements Credential {
  constructor(
    private readonly account: ServiceAccountJson,
    private readonly agent: HttpsAgent,
  ) {}

  async getAccessToken(): Promise<GoogleOAuthAccessToken> {
    const body = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: this.assertion(),
    }).toString();
    const { status, text } = await postForm(GOOGLE_TOKEN_URL, body, this.agent);
    const parsed = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
    if (status !== 200 || typeof parsed.access_token !== 'string') {
      throw new Error(`OAuth token request failed (HTTP ${status}): ${text}`);
    }
    const expiresIn = typeof parsed.expires_in === 'number' ? parsed.expires_in : 3600;
    return { access_token: parsed.access_token, expires_in: expiresIn };
  }

  private assertion(): string {
    const now = Math.floor(Date.now() / 1000);
    const header = {
      alg: 'RS256',
      typ: 'JWT',
      ...(this.account.private_key_id !== undefined && { kid: this.account.private_key_id }),
    };
    const claims = {
      iss: this.account.client_email,
      scope: FCM_SCOPE,
      aud: GOOGLE_TOKEN_URL,
      iat: now,
      exp: now + 3600,
    };
    const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('RSA-SHA256', Buffer.from(unsigned), this.account.private_key);
    return `${unsigned}.${signature.toString('base64url')}`;
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function postForm(
  url: string,
  body: string,
  agent: HttpsAgent,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('OAuth token request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

function localAgent(apiBaseUrl: string): LocalRedirectAgent {
  const url = new URL(apiBaseUrl);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return new LocalRedirectAgent(url.hostname, port);
}

function classifyFcmError(err: unknown): ProviderError {
  const fullCode = stringProp(err, 'code');
  if (fullCode === undefined || !fullCode.includes('/')) {
    return classifyNetworkError(err) ?? unknownProviderError(err);
  }
  const [service, code = fullCode] = fullCode.split('/', 2);
  if (service === 'app' && (code === 'network-error' || code === 'network-timeout')) {
    return classifyNetworkError(err) ?? new ProviderError('transient', fullCode, errorMessage(err));
  }
  const kind = service === 'messaging' && PERMANENT.has(code) ? 'permanent' : 'transient';
  const response = (err as { httpResponse?: { headers?: unknown } }).httpResponse;
  const retryAfterSeconds = parseRetryAfter(headerValue(response?.headers, 'retry-after'));
  return new ProviderError(kind, fullCode, errorMessage(err), {
    cause: err,
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
  });
}
