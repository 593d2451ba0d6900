import { z } from 'zod';
import { FcmPushProvider } from '../../adapters/providers/push/fcm-push-provider';
import {
  type ProviderSource,
  type ProviderSourceDeps,
  parseEnv,
  parseSecret,
  secretBackedSource,
  secretReader,
} from './source';

const envSchema = z.object({
  FCM_SECRET_ID: z.string().min(1),
  FCM_API_BASE_URL: z.url().optional(),
});

const serviceAccountSchema = z.looseObject({
  project_id: z.string().min(1),
  client_email: z.string().min(1),
  private_key: z.string().min(1),
  private_key_id: z.string().optional(),
});

/** The push function's provider: FCM, with the service account from the FCM secret. */
export function createFcmPushSource(
  env: NodeJS.ProcessEnv = process.env,
  deps: ProviderSourceDeps = {},
): ProviderSource<'push'> {
  const settings = parseEnv(envSchema, env);
  return secretBackedSource(settings.FCM_SECRET_ID, secretReader(deps), (value) => {
    const serviceAccount = parseSecret(serviceAccountSchema, value, settings.FCM_SECRET_ID);
    return new FcmPushProvider({
      serviceAccount,
      ...(settings.FCM_API_BASE_URL !== undefined && { apiBaseUrl: settings.FCM_API_BASE_URL }),
    });
  });
}
