import { describe, expect, it } from 'vitest';
import { fcmVerifier } from '../../../../functions/adapters/providers/verify/fcm-verifier';
import type { TenantProvider } from '../../../../functions/core/providers/model';
import { createLocalServiceAccount } from '../../../../local/fakes/fcm-fake';

const account = createLocalServiceAccount('acme-push');
const provider: TenantProvider = {
  tenantId: 't-acme',
  channel: 'push',
  name: 'main',
  priority: 1,
  settings: { vendor: 'fcm', projectId: 'acme-push', clientEmail: account.client_email },
  secretName: 'herald/test/tenants/t-acme/push/main',
  createdAt: '2026-12-07T00:00:00.000Z',
  updatedAt: '2026-12-07T00:00:00.000Z',
};
const secret = {
  project_id: account.project_id,
  client_email: account.client_email,
  private_key: account.private_key,
};

/** Google's token endpoint answers `token`, FCM's dry run answers `fcm`; the requests are kept. */
function google(token: [number, unknown], fcm: [number, unknown]) {
  const requests: { url: string; body: string }[] = [];
  const fetchStub = (async (url: string | URL, init?: RequestInit) => {
    requests.push({ url: String(url), body: String(init?.body ?? '') });
    const [status, body] = String(url).endsWith('/token') ? token : fcm;
    return new Response(JSON.stringify(body), { status });
  }) as typeof fetch;
  return { requests, fetchStub };
}

const verify = (token: [number, unknown], fcm: [number, unknown], key = secret) => {
  const { requests, fetchStub } = google(token, fcm);
  const verifier = fcmVerifier('https://fcm.test', 'https://oauth.test/token', fetchStub);
  return verifier.verify(provider, key).then((result) => ({ result, requests }));
};

const granted: [number, unknown] = [200, { access_token: 'ya29.x', expires_in: 3599 }];
const error = (code: number, status: string, message: string): [number, unknown] => [
  code,
  { error: { code, status, message } },
];

describe('FCM verify: a dry run, read as the provider meant it', () => {
  it('sends a validate_only message to the project, with a signed JWT-bearer grant first', async () => {
    const { result, requests } = await verify(granted, [200, { name: 'projects/acme-push/x' }]);
    expect(result).toEqual({ ok: true });
    expect(requests[0]?.body).toContain('grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type');
    expect(requests[1]?.url).toBe('https://fcm.test/v1/projects/acme-push/messages:send');
    expect(JSON.parse(requests[1]?.body ?? '{}')).toMatchObject({ validate_only: true });
  });

  it('takes INVALID_ARGUMENT about the made-up token as the project accepting the account', async () => {
    const bad = error(400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM token');
    expect((await verify(granted, bad)).result).toEqual({ ok: true });
  });

  it('says what is wrong: refused grant, key that cannot sign, 401, 403, 404', async () => {
    const refused = await verify(
      [400, { error: 'invalid_grant', error_description: 'x' }],
      [200, {}],
    );
    expect(refused.result.problem).toBe(
      `Google refused the service account ${account.client_email}: invalid_grant (x)`,
    );
    expect(refused.requests).toHaveLength(1);
    const unsigned = await verify(granted, [200, {}], { ...secret, private_key: 'not a key' });
    expect(unsigned.result.problem).toContain(
      `the private key of ${account.client_email} cannot sign`,
    );
    expect((await verify(granted, error(401, 'UNAUTHENTICATED', 'no'))).result.problem).toBe(
      `FCM refused the access token of ${account.client_email}: no`,
    );
    expect(
      (await verify(granted, error(403, 'PERMISSION_DENIED', 'denied'))).result.problem,
    ).toContain(
      `${account.client_email} may not send for project acme-push (PERMISSION_DENIED: denied)`,
    );
    expect((await verify(granted, error(404, 'NOT_FOUND', 'gone'))).result.problem).toBe(
      'FCM has no project acme-push: gone',
    );
  });

  it('never puts the key in a problem', async () => {
    const { result } = await verify(granted, [200, {}], { ...secret, private_key: 'not a key' });
    expect(JSON.stringify(result)).not.toContain('not a key');
  });
});
