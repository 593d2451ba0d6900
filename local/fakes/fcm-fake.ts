import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceAccountJson } from '../../functions/adapters/providers/push/fcm-push-provider';
import { readText, replyJson } from '../emulators/net';
import { Faults } from './faults';
import type { FailureInjector, Outbox } from './outbox';
import { ProviderRates } from './rate-enforcer';

/** Where the fake records and how it decides to fail. */
export interface FcmFakeOptions {
  outbox: Outbox;
  failures: FailureInjector;
  /** Outages and latency set through `/_local/faults`; none when absent. */
  faults?: Faults;
  /** The project rate enforced (429 QUOTA_EXCEEDED above it); the published one when absent. */
  rates?: ProviderRates;
  host?: string;
  port?: number;
}

/** A running fake; `url` is what FCM_API_BASE_URL should be set to. */
export interface RunningFcmFake {
  url: string;
  close(): Promise<void>;
}

const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;
const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';

/**
 * A fake of the two Google endpoints firebase-admin's `send()` calls: the OAuth token endpoint
 * (`POST /token`, a JWT-bearer grant) and FCM HTTP v1 (`POST /v1/projects/{p}/messages:send`).
 * Errors use Google's `{ error: { code, message, status, details: [FcmError] } }` shape.
 * Projects are held apart: an access token belongs to the service account of its grant (the
 * assertion's `iss`, `…@<project>.iam.gserviceaccount.com`) and sends only for that project
 * (else 403 PERMISSION_DENIED); an account whose email contains `invalid` is refused at the grant
 * (`invalid_grant`); a `validate_only` message is answered and delivers nothing; the outbox names
 * the project (`account`).
 */
export async function startFcm(options: FcmFakeOptions): Promise<RunningFcmFake> {
  const { outbox, failures, faults = new Faults(), host = '127.0.0.1', port = 0 } = options;
  const rates = options.rates ?? new ProviderRates(1);
  // Each access token belongs to the service account it was issued to, and so to its project.
  const issuedTokens = new Map<string, ServiceAccountOf>();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) =>
      googleError(res, 500, 'INTERNAL', String(err), 'INTERNAL'),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const raw = await readText(req);
    if (req.method === 'POST' && path === '/token') return token(res, raw);

    const project = SEND_PATH.exec(path)?.[1];
    if (req.method !== 'POST' || project === undefined) {
      return googleError(res, 404, 'NOT_FOUND', `Unknown path ${path}`);
    }
    const auth = req.headers.authorization ?? '';
    const caller = auth.startsWith('Bearer ') ? issuedTokens.get(auth.slice(7)) : undefined;
    if (!caller) {
      return googleError(
        res,
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials.',
      );
    }
    // Projects are held apart: a service account sends only for its own project.
    if (caller.project !== undefined && caller.project !== project) {
      return googleError(
        res,
        403,
        'PERMISSION_DENIED',
        `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${project}' (or it may not exist).`,
      );
    }
    const message = parseMessage(raw);
    if (message === undefined || typeof message.token !== 'string' || message.token === '') {
      return googleError(res, 400, 'INVALID_ARGUMENT', 'Invalid message', 'INVALID_ARGUMENT');
    }

    if (faults.outage('push')) {
      await faults.delay('push');
      // FCM's answer while it is down: HTTP 503, status UNAVAILABLE, FcmError UNAVAILABLE.
      return googleError(
        res,
        503,
        'UNAVAILABLE',
        'The service is currently unavailable.',
        'UNAVAILABLE',
      );
    }
    // A token containing `unregistered` belongs to an uninstalled app: FCM says UNREGISTERED.
    if (message.token.includes('unregistered')) {
      return googleError(res, 404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED');
    }
    const failure = failures.next('push', message.token);
    if (failure === 'permanent') {
      return googleError(
        res,
        400,
        'INVALID_ARGUMENT',
        'Request contains an invalid argument.',
        'INVALID_ARGUMENT',
      );
    }
    if (failure === 'transient') {
      // 429 rather than 503: firebase-admin retries a 503 itself (up to 4 times, ~7 s) inside
      // one send(), which would hide fail-transient from Herald's own SQS retry path.
      return googleError(
        res,
        429,
        'RESOURCE_EXHAUSTED',
        'Quota exceeded for quota metric.',
        'QUOTA_EXCEEDED',
        { 'retry-after': '1' },
      );
    }

    const name = `projects/${project}/messages/${randomUUID()}`;
    const validateOnly = parseValidateOnly(raw);
    // Over the project's rate: FCM's own answer (firebase-admin: messaging/message-rate-exceeded).
    if (!validateOnly && !rates.fcm(project)) {
      return googleError(
        res,
        429,
        'RESOURCE_EXHAUSTED',
        `Quota exceeded for quota metric 'Send requests' of service 'fcm.googleapis.com' for project ${project}.`,
        'QUOTA_EXCEEDED',
        { 'retry-after': '1' },
      );
    }
    if (!validateOnly) {
      outbox.add({
        channel: 'push',
        recipient: message.token,
        content: {
          title: message.notification?.title,
          body: message.notification?.body,
          ...(message.data !== undefined && { data: message.data }),
        },
        providerMessageId: name,
        account: project,
      });
      await faults.delay('push', { response: res, recipient: message.token });
    }
    replyJson(res, 200, { name });
  }

  function token(res: ServerResponse, raw: string): void {
    const form = new URLSearchParams(raw);
    const assertion = form.get('assertion') ?? '';
    if (
      form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' ||
      assertion.split('.').length !== 3
    ) {
      replyJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT.' });
      return;
    }
    const caller = serviceAccountOf(assertion);
    // The local convention: a service account whose email contains `invalid` is refused, as
    // Google refuses a deleted key or disabled account.
    if (caller.email.includes('invalid')) {
      replyJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      return;
    }
    const accessToken = `ya29.local-${randomBytes(12).toString('hex')}`;
    issuedTokens.set(accessToken, caller);
    replyJson(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
  }

  // Longer than the SDK keeps idle sockets, so a reused connection is never closed mid-request.

  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * A throwaway service-account key for the local secrets: a real RSA key, so google-auth-library
 * can sign its JWT assertion exactly as it would in AWS.
 */
export function createLocalServiceAccount(projectId = 'herald-local'): ServiceAccountJson {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const clientEmail = `herald-local@${projectId}.iam.gserviceaccount.com`;
  return {
    type: 'service_account',
    project_id: projectId,
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey,
    client_email: clientEmail,
    client_id: '100000000000000000000',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
  };
}

/** Who a JWT-bearer assertion speaks for: its `iss`, and the project of a `…@<project>.iam…` account. */
interface ServiceAccountOf {
  email: string;
  project?: string;
}

function serviceAccountOf(assertion: string): ServiceAccountOf {
  let email = '';
  try {
    const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString());
    if (typeof payload?.iss === 'string') email = payload.iss;
  } catch {
    // An unreadable payload names nobody: treated as an account of no particular project.
  }
  const project = /@([a-z][a-z0-9-]*)\.iam\.gserviceaccount\.com$/.exec(email)?.[1];
  return { email, ...(project !== undefined && { project }) };
}

interface FcmMessage {
  token?: unknown;
  notification?: { title?: unknown; body?: unknown };
  data?: unknown;
}

function parseMessage(raw: string): FcmMessage | undefined {
  try {
    const parsed = JSON.parse(raw) as { message?: unknown };
    const message = parsed.message;
    return typeof message === 'object' && message !== null ? (message as FcmMessage) : undefined;
  } catch {
    return undefined;
  }
}

function parseValidateOnly(raw: string): boolean {
  try {
    return (JSON.parse(raw) as { validate_only?: unknown }).validate_only === true;
  } catch {
    return false;
  }
}

function googleError(
  res: ServerResponse,
  code: number,
  status: string,
  message: string,
  fcmErrorCode?: string,
  headers: Record<string, string> = {},
): void {
  const details =
    fcmErrorCode === undefined ? [] : [{ '@type': FCM_ERROR_TYPE, errorCode: fcmErrorCode }];
  replyJson(res, code, { error: { code, message, status, details } }, headers);
}
