import type { TenantProvider } from '../../../core/providers/model';
import type { ProviderVerifier } from '../../../core/providers/ports';
import { ProviderError } from '../../../core/shared/errors';
import { errorMessage } from '../classify';
import { FCM_API_BASE_URL } from '../push/fcm-push-provider';
import { GOOGLE_TOKEN_URL, googleAccessToken } from '../push/google-token';

type Result = { ok: boolean; problem?: string };

const TIMEOUT_MS = 5_000;
/** A registration token no device can hold: the dry run's answer is about the project only. */
export const VERIFY_TOKEN = 'herald-verify:a-registration-token-that-cannot-exist';

/**
 * FCM: a dry run (`validate_only`, what firebase-admin's `send(message, true)` sends) to a token
 * that cannot exist. Getting the access token proves the key and service account; FCM's answer
 * proves the project: 200, or INVALID_ARGUMENT about the made-up token, means the project takes
 * the credentials (nothing is delivered); 401/403/404 say what is wrong.
 */
export function fcmVerifier(
  apiBaseUrl = FCM_API_BASE_URL,
  tokenUrl = GOOGLE_TOKEN_URL,
  fetchImpl: typeof fetch = fetch,
): ProviderVerifier {
  const base = apiBaseUrl.replace(/\/+$/, '');
  return {
    async verify(provider: TenantProvider, secret: Record<string, string>): Promise<Result> {
      if (provider.settings.vendor !== 'fcm') return { ok: false, problem: 'not an FCM provider' };
      const { projectId, clientEmail } = provider.settings;
      if (!secret.private_key || !secret.client_email) {
        return { ok: false, problem: 'no service account key stored' };
      }
      let token: string;
      try {
        token = await googleAccessToken(
          {
            client_email: secret.client_email,
            private_key: secret.private_key,
            ...(secret.private_key_id && { private_key_id: secret.private_key_id }),
          },
          tokenUrl,
          fetchImpl,
        );
      } catch (error) {
        if (error instanceof ProviderError) return { ok: false, problem: error.message };
        return {
          ok: false,
          problem: `Google's token endpoint could not be reached: ${errorMessage(error)}`,
        };
      }
      let status: number;
      let body: { error?: { message?: unknown; status?: unknown } } = {};
      try {
        const response = await fetchImpl(
          `${base}/v1/projects/${encodeURIComponent(projectId)}/messages:send`,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              validate_only: true,
              message: { token: VERIFY_TOKEN, notification: { title: 'Herald verify' } },
            }),
            signal: AbortSignal.timeout(TIMEOUT_MS),
          },
        );
        status = response.status;
        body = (await response.json().catch(() => ({}))) as typeof body;
      } catch (error) {
        return { ok: false, problem: `FCM could not be reached: ${errorMessage(error)}` };
      }
      const said = typeof body.error?.message === 'string' ? `: ${body.error.message}` : '';
      const grpc = typeof body.error?.status === 'string' ? body.error.status : `HTTP ${status}`;
      if (status === 200 || (status === 400 && grpc === 'INVALID_ARGUMENT')) return { ok: true };
      if (status === 401) {
        return { ok: false, problem: `FCM refused the access token of ${clientEmail}${said}` };
      }
      if (status === 403) {
        return {
          ok: false,
          problem: `${clientEmail} may not send for project ${projectId} (${grpc}${said}): give it the Firebase Cloud Messaging API Admin role there, or enable the FCM API`,
        };
      }
      if (status === 404) return { ok: false, problem: `FCM has no project ${projectId}${said}` };
      return { ok: false, problem: `FCM answered ${grpc}${said}` };
    },
  };
}
