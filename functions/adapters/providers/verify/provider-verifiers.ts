import type { TenantProvider } from '../../../core/providers/model';
import type { ProviderVerifier } from '../../../core/providers/ports';

type Result = { ok: boolean; problem?: string };

const TIMEOUT_MS = 5_000;
const TWILIO_API = 'https://api.twilio.com/';
const SLACK_API = 'https://slack.com/api/';

async function call(url: string, init: RequestInit, fetchImpl: typeof fetch) {
  const response = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {}
  return { status: response.status, body };
}

const unreachable = (vendor: string, error: unknown): Result => ({
  ok: false,
  problem: `${vendor} could not be reached: ${error instanceof Error ? error.message : String(error)}`,
});

/**
 * Twilio: fetches the account (GET /2010-04-01/Accounts/{sid}.json), the cheapest call that proves
 * the SID and auth token; a suspended or closed account is a problem too.
 */
export function twilioVerifier(
  apiBaseUrl = TWILIO_API,
  fetchImpl: typeof fetch = fetch,
): ProviderVerifier {
  return {
    async verify(provider: TenantProvider, secret: Record<string, string>): Promise<Result> {
      if (provider.settings.vendor !== 'twilio')
        return { ok: false, problem: 'not a Twilio provider' };
      const sid = provider.settings.accountSid;
      if (!secret.authToken) return { ok: false, problem: 'no auth token stored' };
      const url = new URL(
        `2010-04-01/Accounts/${sid}.json`,
        apiBaseUrl.endsWith('/') ? apiBaseUrl : `${apiBaseUrl}/`,
      );
      try {
        const { status, body } = await call(
          url.toString(),
          {
            headers: {
              authorization: `Basic ${Buffer.from(`${sid}:${secret.authToken}`).toString('base64')}`,
            },
          },
          fetchImpl,
        );
        if (status === 200) {
          return body.status === 'active' || body.status === undefined
            ? { ok: true }
            : { ok: false, problem: `the Twilio account is ${String(body.status)}` };
        }
        const code = typeof body.code === 'number' ? ` (${body.code})` : '';
        if (status === 401)
          return { ok: false, problem: `Twilio refused the account SID and auth token${code}` };
        if (status === 404) return { ok: false, problem: `Twilio has no account ${sid}${code}` };
        return { ok: false, problem: `Twilio answered HTTP ${status}${code}` };
      } catch (error) {
        return unreachable('Twilio', error);
      }
    },
  };
}

/** Slack: `auth.test` with the bot token, which says whether the token works and whose it is. */
export function slackVerifier(
  apiUrl = SLACK_API,
  fetchImpl: typeof fetch = fetch,
): ProviderVerifier {
  return {
    async verify(_provider: TenantProvider, secret: Record<string, string>): Promise<Result> {
      if (!secret.botToken) return { ok: false, problem: 'no bot token stored' };
      try {
        const { status, body } = await call(
          `${apiUrl}auth.test`,
          { method: 'POST', headers: { authorization: `Bearer ${secret.botToken}` } },
          fetchImpl,
        );
        if (status === 200 && body.ok === true) return { ok: true };
        const error = typeof body.error === 'string' ? body.error : `HTTP ${status}`;
        return { ok: false, problem: `Slack refused the bot token: ${error}` };
      } catch (error) {
        return unreachable('Slack', error);
      }
    },
  };
}
