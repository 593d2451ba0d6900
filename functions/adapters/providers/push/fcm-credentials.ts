import { cert } from 'firebase-admin/app';
import { ProviderError } from '../../../core/shared/errors';
import { errorMessage } from '../classify';
import { FCM_CREDENTIAL_REFUSED } from './fcm-credential-codes';
import type { AccessTokenSource } from './fcm-push-provider';

/** The parts of a service account key file a credential needs (a tenant's stored secret). */
export interface FcmServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
}

/** OAuth errors that say the key or account is refused (RFC 6749 §5.2), not that Google is down. */
const REFUSALS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);

/** The OAuth `error` of a failed token request, if Google answered one (gaxios' error shape). */
function oauthError(err: unknown): { error: string; description?: string } | undefined {
  const data = (err as { response?: { data?: unknown } } | null)?.response?.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const { error, error_description: description } = data as Record<string, unknown>;
  if (typeof error !== 'string') return undefined;
  return { error, ...(typeof description === 'string' && { description }) };
}

/**
 * firebase-admin's service-account credential (JWT-bearer grant, token kept until shortly
 * before it expires) for one service account. A refused grant, or a key that cannot sign, throws
 * a ProviderError `fcm/credential-refused` naming the account (never the key); anything else
 * (Google unreachable) is left to the provider's usual handling.
 */
export function fcmAccessTokens(account: FcmServiceAccount): AccessTokenSource {
  let credential: ReturnType<typeof cert> | undefined;
  return async () => {
    try {
      credential ??= cert({
        projectId: account.project_id,
        clientEmail: account.client_email,
        privateKey: account.private_key,
      });
      return (await credential.getAccessToken()).access_token;
    } catch (err) {
      const refused = oauthError(err);
      const unsignable = !refused && /key|PEM|asn1|DECODER/i.test(errorMessage(err));
      if (refused && REFUSALS.has(refused.error)) {
        throw new ProviderError(
          'transient',
          FCM_CREDENTIAL_REFUSED,
          `Google refused the service account ${account.client_email}: ${refused.error}${refused.description ? ` (${refused.description})` : ''}`,
          { cause: err },
        );
      }
      if (unsignable) {
        throw new ProviderError(
          'transient',
          FCM_CREDENTIAL_REFUSED,
          `the private key of ${account.client_email} cannot sign: ${errorMessage(err)}`,
          { cause: err },
        );
      }
      throw err;
    }
  };
}
