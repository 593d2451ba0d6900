import type { ChannelProvider, ProviderReceipt, SendOptions } from '../../../core/delivery/ports';
import type { OutboundMessage } from '../../../core/notifications/model';
import { ProviderError } from '../../../core/shared/errors';
import { classifyNetworkError, errorMessage, parseRetryAfter } from '../classify';

/** The fields of a Google service-account key file that FCM needs. */
export interface ServiceAccountJson {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
  [key: string]: unknown;
}

/** An OAuth 2 access token with the firebase.messaging scope (the source caches and refreshes it). */
export type AccessTokenSource = () => Promise<string>;

/** Settings for FcmPushProvider. */
export interface FcmPushConfig {
  projectId: string;
  accessToken: AccessTokenSource;
  /** FCM HTTP v1's base URL. Default `https://fcm.googleapis.com`. */
  apiBaseUrl?: string;
  /** A test seam; default the global fetch. */
  fetch?: typeof fetch;
}

export const FCM_API_BASE_URL = 'https://fcm.googleapis.com';

/**
 * FCM `errorCode`s (google.firebase.fcm.v1.FcmError) and the firebase-admin codes Herald has
 * always recorded for them. Only the first three say this message to this token can never succeed.
 */
const FCM_ERRORS: Record<string, { code: string; permanent: boolean }> = {
  UNREGISTERED: { code: 'messaging/registration-token-not-registered', permanent: true },
  INVALID_ARGUMENT: { code: 'messaging/invalid-argument', permanent: true },
  // The token was issued to another Firebase sender: no fix on our side makes it ours, so it is
  // the token that is wrong (FCM's docs: "the registration token is tied to a certain group of
  // senders"), not our configuration.
  SENDER_ID_MISMATCH: { code: 'messaging/mismatched-credential', permanent: true },
  // Our project's APNs/web-push credential: retried while the operator fixes it (classify.ts).
  THIRD_PARTY_AUTH_ERROR: { code: 'messaging/third-party-auth-error', permanent: false },
  QUOTA_EXCEEDED: { code: 'messaging/message-rate-exceeded', permanent: false },
  UNAVAILABLE: { code: 'messaging/server-unavailable', permanent: false },
  INTERNAL: { code: 'messaging/internal-error', permanent: false },
};

/**
 * Push notifications through FCM HTTP v1 (`messages:send`), one device token per call, sent with
 * fetch rather than firebase-admin's messaging client: that client retries by itself (503s for
 * about 7 s, a hung connection about 15 s per try) and takes no per-call timeout, so one Herald
 * attempt could be several sends and outlive its lease. Here one attempt is exactly one request,
 * aborted on the caller's signal. The access token still comes from firebase-admin's credential.
 */
export class FcmPushProvider implements ChannelProvider<'push'> {
  readonly channel = 'push' as const;
  readonly #url: string;
  readonly #fetch: typeof fetch;

  constructor(private readonly config: FcmPushConfig) {
    const base = (config.apiBaseUrl ?? FCM_API_BASE_URL).replace(/\/+$/, '');
    this.#url = `${base}/v1/projects/${encodeURIComponent(config.projectId)}/messages:send`;
    this.#fetch = config.fetch ?? fetch;
  }

  async send(message: OutboundMessage<'push'>, options: SendOptions): Promise<ProviderReceipt> {
    const { title, body, data } = message.content;
    let token: string;
    try {
      // Nothing is sent yet, so giving up on a slow token request is harmless.
      token = await untilAborted(this.config.accessToken(), options.signal);
    } catch (err) {
      if (options.signal.aborted) throw classifyNetworkError(options.signal.reason) ?? err;
      // Already classified by the token source (a refused service account: fcm-credentials.ts).
      if (err instanceof ProviderError) throw err;
      throw new ProviderError('transient', 'app/invalid-credential', errorMessage(err), {
        cause: err,
      });
    }
    let response: Response;
    try {
      response = await this.#fetch(this.#url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          message: {
            token: message.recipient,
            notification: { title, body },
            ...(data !== undefined && { data }),
          },
        }),
        signal: options.signal,
      });
    } catch (err) {
      throw (
        classifyNetworkError(err) ??
        new ProviderError('transient', 'app/network-error', errorMessage(err), {
          cause: err,
          outcomeUnknown: true,
        })
      );
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      const name = parseJson(text)?.name;
      return typeof name === 'string' ? { providerMessageId: name } : {};
    }
    throw classifyFcmResponse(response.status, text, response.headers.get('retry-after'));
  }
}

/** Resolves as `promise` does, or rejects with the signal's reason once it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** An FCM error answer `{ error: { code, message, status, details: [FcmError] } }`. */
export function classifyFcmResponse(
  status: number,
  text: string,
  retryAfter: string | null,
): ProviderError {
  const error = parseJson(text)?.error as
    | { message?: unknown; status?: unknown; details?: unknown }
    | undefined;
  const details = Array.isArray(error?.details) ? (error.details as unknown[]) : [];
  const fcmCode = details
    .map((d) => (d as { errorCode?: unknown } | null)?.errorCode)
    .find((c): c is string => typeof c === 'string');
  const grpcStatus = typeof error?.status === 'string' ? error.status : undefined;
  const known = FCM_ERRORS[fcmCode ?? grpcStatus ?? ''];
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
  const retryAfterSeconds = parseRetryAfter(retryAfter ?? undefined);
  // The token itself will never work again (app uninstalled, token malformed, another sender's
  // token): suppress it. INVALID_ARGUMENT is about the token only when FCM says so
  // (firebase-admin's reading too).
  const badToken = fcmCode === 'INVALID_ARGUMENT' && /registration token/i.test(message);
  const tokenGone = fcmCode === 'UNREGISTERED' || fcmCode === 'SENDER_ID_MISMATCH' || badToken;
  return new ProviderError(
    known?.permanent ? 'permanent' : 'transient',
    badToken ? 'messaging/invalid-registration-token' : (known?.code ?? `messaging/http-${status}`),
    message,
    {
      ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
      ...(tokenGone && { suppress: 'invalid-token' as const }),
    },
  );
}
