import { createSign } from 'node:crypto';
import { ProviderError } from '../../../core/shared/errors';
import { errorMessage } from '../classify';
import { FCM_CREDENTIAL_REFUSED } from './fcm-credential-codes';

/** Google's OAuth 2 token endpoint (GOOGLE_OAUTH_TOKEN_URL overrides it: the local fake). */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const TIMEOUT_MS = 5_000;

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * One access token for a service account: the JWT-bearer grant (RFC 7523) that firebase-admin's
 * credential makes, signed here with node:crypto so the api function (POST …/verify) does not
 * carry firebase-admin and google-auth-library (+354 KiB minified). A key that cannot sign, or a
 * grant Google refuses (a deleted key, a disabled account: `invalid_grant`), throws a ProviderError
 * `fcm/credential-refused` naming the account, never the key.
 */
export async function googleAccessToken(
  account: { client_email: string; private_key: string; private_key_id?: string },
  tokenUrl = GOOGLE_TOKEN_URL,
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url({
    alg: 'RS256',
    typ: 'JWT',
    ...(account.private_key_id && { kid: account.private_key_id }),
  });
  const claims = base64url({
    iss: account.client_email,
    scope: SCOPE,
    aud: tokenUrl,
    iat: now,
    exp: now + 3600,
  });
  let signature: string;
  try {
    signature = createSign('RSA-SHA256')
      .update(`${header}.${claims}`)
      .sign(account.private_key, 'base64url');
  } catch (err) {
    throw new ProviderError(
      'transient',
      FCM_CREDENTIAL_REFUSED,
      `the private key of ${account.client_email} cannot sign: ${errorMessage(err)}`,
    );
  }
  const response = await fetchImpl(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: `${header}.${claims}.${signature}`,
    }).toString(),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok && typeof body.access_token === 'string') return body.access_token;
  if (response.status >= 400 && response.status < 500 && typeof body.error === 'string') {
    const detail = typeof body.error_description === 'string' ? ` (${body.error_description})` : '';
    throw new ProviderError(
      'transient',
      FCM_CREDENTIAL_REFUSED,
      `Google refused the service account ${account.client_email}: ${body.error}${detail}`,
    );
  }
  throw new Error(`Google's token endpoint answered HTTP ${response.status}`);
}
