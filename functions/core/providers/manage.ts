import { NotFoundError } from '../shared/errors';
import type { TenantProviderChannel } from './config';
import { parseProviderRequest } from './config';
import type { TenantProvider, Verification } from './model';
import type { ProviderRepository, ProviderSecretVault, ProviderVerifier } from './ports';

export interface ProviderManagement {
  providers: ProviderRepository;
  vault: ProviderSecretVault;
  verifiers: Partial<Record<TenantProviderChannel, ProviderVerifier>>;
  now?: () => number;
}

/**
 * PUT: validates the body (400 at the field), writes the credentials to the tenant's secret for
 * this provider, then the record without them. A replaced provider keeps its creation time and
 * loses its last verification (the credentials may have changed).
 */
export async function putProvider(
  deps: ProviderManagement,
  tenantId: string,
  channel: TenantProviderChannel,
  name: string,
  body: unknown,
): Promise<{ provider: TenantProvider; created: boolean }> {
  const request = parseProviderRequest(channel, body);
  const now = new Date((deps.now ?? Date.now)()).toISOString();
  const existing = await deps.providers.get(tenantId, channel, name);
  const secretName = deps.vault.nameFor(tenantId, channel, name);
  await deps.vault.put(secretName, request.secret);
  const provider: TenantProvider = {
    tenantId,
    channel,
    name,
    priority: request.priority,
    settings: request.settings,
    secretName,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await deps.providers.put(provider);
  return { provider, created: existing === undefined };
}

/** POST …/verify: one cheap call with the stored credentials; the answer is kept on the record. */
export async function verifyProvider(
  deps: ProviderManagement,
  tenantId: string,
  channel: TenantProviderChannel,
  name: string,
): Promise<Verification> {
  const provider = await deps.providers.get(tenantId, channel, name);
  if (!provider) throw new NotFoundError(`No ${channel} provider named ${name}`);
  const checkedAt = new Date((deps.now ?? Date.now)()).toISOString();
  const secret = await deps.vault.read(provider.secretName);
  const verifier = deps.verifiers[channel];
  let result: { ok: boolean; problem?: string };
  if (!secret) result = { ok: false, problem: 'no credentials stored: PUT the provider again' };
  else if (!verifier)
    result = { ok: false, problem: `${channel} providers cannot be verified here` };
  else result = await verifier.verify(provider, secret);
  const verification: Verification = { ...result, checkedAt };
  await deps.providers.setVerification(tenantId, channel, name, verification);
  return verification;
}

/** DELETE: the record first (sends stop using it), then its secret. */
export async function removeProvider(
  deps: ProviderManagement,
  tenantId: string,
  channel: TenantProviderChannel,
  name: string,
): Promise<void> {
  const provider = await deps.providers.get(tenantId, channel, name);
  if (!provider || !(await deps.providers.remove(tenantId, channel, name))) {
    throw new NotFoundError(`No ${channel} provider named ${name}`);
  }
  await deps.vault.remove(provider.secretName);
}
