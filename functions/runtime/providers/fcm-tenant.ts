import { fcmAccessTokens } from '../../adapters/providers/push/fcm-credentials';
import { FcmPushProvider } from '../../adapters/providers/push/fcm-push-provider';
import { fingerprint } from '../../core/providers/senders';
import type { TenantProviderBuilder } from './tenant-builder';

/**
 * One FCM client per tenant provider and container, named `<tenant>/<provider>` (the role a
 * firebase-admin app name plays): its own service-account credential (and so its own cached
 * access token) and its own project's URL, so two tenants' sends never share a credential. Kept
 * while the stored key is the same (the router rebuilds routes every PROVIDER_CACHE_SECONDS, the
 * access token outlives that); a replaced key (PUT again) builds a new one.
 */
const clients = new Map<string, { key: string; provider: FcmPushProvider }>();

/** A tenant's own FCM project (`secret`: its stored service account). */
export const fcmTenantProvider: TenantProviderBuilder = (p, secret, { config }) => {
  if (p.settings.vendor !== 'fcm') throw new Error(`${p.channel}/${p.name} is not an FCM provider`);
  const name = `${p.tenantId}/${p.name}`;
  const account = {
    project_id: p.settings.projectId,
    client_email: secret.client_email ?? p.settings.clientEmail,
    private_key: secret.private_key ?? '',
  };
  const key = fingerprint(
    JSON.stringify([account.project_id, account.client_email, account.private_key]),
  );
  const cached = clients.get(name);
  if (cached?.key === key) return { provider: cached.provider };
  const provider = new FcmPushProvider({
    projectId: account.project_id,
    accessToken: fcmAccessTokens(account),
    ...(config.fcmApiBaseUrl !== undefined && { apiBaseUrl: config.fcmApiBaseUrl }),
  });
  clients.set(name, { key, provider });
  return { provider };
};
