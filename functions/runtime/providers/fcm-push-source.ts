import { cert } from 'firebase-admin/app';
import * as z from 'zod/mini';
import {
  type AccessTokenSource,
  FcmPushProvider,
} from '../../adapters/providers/push/fcm-push-provider';
import { fcmPool } from '../../core/providers/push-config';
import type { SenderPool } from '../../core/providers/senders';
import { fcmTenantProvider } from './fcm-tenant';
import {
  type ProviderSource,
  type ProviderSourceDeps,
  parseEnv,
  parseSecret,
  secretBackedSource,
  secretReader,
} from './source';

const envSchema = z.object({
  FCM_SECRET_ID: z.string().check(z.minLength(1)),
  FCM_API_BASE_URL: z.optional(z.url()),
});

const serviceAccountSchema = z.looseObject({
  project_id: z.string().check(z.minLength(1)),
  client_email: z.string().check(z.minLength(1)),
  private_key: z.string().check(z.minLength(1)),
  private_key_id: z.optional(z.string()),
  /** Herald's own field: the project's send rate when FCM raised it (default its 10,000/s). */
  ratePerSecond: z.optional(z.number().check(z.positive())),
});

/**
 * firebase-admin's service-account credential: it signs the JWT-bearer grant, asks Google's
 * OAuth endpoint for a token and keeps it until shortly before it expires.
 */
export function serviceAccountTokens(
  account: z.infer<typeof serviceAccountSchema>,
): AccessTokenSource {
  const credential = cert({
    projectId: account.project_id,
    clientEmail: account.client_email,
    privateKey: account.private_key,
  });
  return async () => (await credential.getAccessToken()).access_token;
}

/**
 * The push function's provider: FCM HTTP v1 at FCM_API_BASE_URL (default Google's), with the
 * service account from the FCM secret.
 */
export function createFcmPushSource(
  env: NodeJS.ProcessEnv = process.env,
  deps: ProviderSourceDeps = {},
): ProviderSource<'push'> {
  const settings = parseEnv(envSchema, env);
  let pool: SenderPool | undefined;
  const source = secretBackedSource('FCM', settings.FCM_SECRET_ID, secretReader(deps), (value) => {
    const serviceAccount = parseSecret(serviceAccountSchema, value, settings.FCM_SECRET_ID);
    // FCM counts its rate per project: the stack's project is one sender.
    pool = fcmPool('stack', serviceAccount.project_id, serviceAccount.ratePerSecond);
    return new FcmPushProvider({
      projectId: serviceAccount.project_id,
      accessToken: serviceAccountTokens(serviceAccount),
      ...(settings.FCM_API_BASE_URL !== undefined && { apiBaseUrl: settings.FCM_API_BASE_URL }),
    });
  });
  return {
    ...source,
    // The project of the secret's current value; an unreadable secret books no rate (the send
    // itself then reports it).
    senders: () =>
      source.get().then(
        () => pool,
        () => undefined,
      ),
    // A tenant's own FCM project, when it has one (PUT /v1/providers/push/{name}).
    tenant: fcmTenantProvider,
  };
}
