import { EmailIdentityClaims } from '../../adapters/dynamodb/email-identity-claims';
import { ProviderStore } from '../../adapters/dynamodb/provider-store';
import type { ValidationOptions } from '../../core/notifications/requests';
import { parseSesProviderRequest } from '../../core/providers/email-identity';
import { ConflictError, InvalidRequestError } from '../../core/shared/errors';
import { dynamo } from '../../runtime/aws-clients';
import { loadTenantProviderConfig } from '../../runtime/tenant-provider-config';
import { config } from './context';

const settings = loadTenantProviderConfig();
const providers = settings && new ProviderStore(dynamo, config.tableName);
const claims = new EmailIdentityClaims(dynamo, config.tableName);

/** A tenant's identities, kept PROVIDER_CACHE_SECONDS per container (one Query per tenant). */
const cache = new Map<string, { until: number; identities: Promise<string[]> }>();

/** The SES identities of a tenant's own email providers; empty: the stack's sender applies. */
export function tenantEmailIdentities(tenantId: string): Promise<string[]> {
  if (!providers || !settings) return Promise.resolve([]);
  const now = Date.now();
  const hit = cache.get(tenantId);
  if (hit && hit.until > now) return hit.identities;
  const identities = providers
    .list(tenantId, 'email')
    .then((list) =>
      list.flatMap((p) => (p.settings.vendor === 'ses' ? [p.settings.identity] : [])),
    );
  cache.set(tenantId, { until: now + settings.cacheSeconds * 1000, identities });
  identities.catch(() => cache.delete(tenantId));
  return identities;
}

/**
 * Validation options for a tenant's request: with identities of its own, an email `from` must be
 * within one of them (a 400 at the field, nothing enqueued), instead of the stack's sender domain.
 */
export async function withTenantIdentities(
  options: ValidationOptions,
  tenantId: string,
): Promise<ValidationOptions> {
  const identities = await tenantEmailIdentities(tenantId);
  return identities.length === 0 ? options : { ...options, senderIdentities: identities };
}

/**
 * Before PUT /v1/providers/email/{name}: an identity of the stack's own account (no role) is
 * claimed for this tenant, so no other tenant can send as it (409 if another holds it). Returns
 * what to do once the record is written: free the identity the provider named before, if any.
 */
export async function claimEmailIdentity(
  tenantId: string,
  name: string,
  body: unknown,
): Promise<() => Promise<void>> {
  const { settings: s } = parseSesProviderRequest(body);
  const existing = await providers?.get(tenantId, 'email', name);
  const owner = `${tenantId}/${name}`;
  const listed = settings?.sesIdentities ?? [];
  if (s.roleArn === undefined && !listed.includes(s.identity)) {
    throw new InvalidRequestError([
      {
        path: 'identity',
        message: `is not an identity of this stack's account that tenants may use (${listed.join(', ') || 'none'}); for one in your own account, name roleArn`,
      },
    ]);
  }
  if (s.roleArn === undefined && !(await claims.claim(s.identity, tenantId, owner))) {
    throw new ConflictError(
      `The SES identity ${s.identity} of this stack's account belongs to another tenant`,
    );
  }
  cache.delete(tenantId);
  const before = existing?.settings;
  return async () => {
    if (before?.vendor === 'ses' && before.roleArn === undefined && before.identity !== s.identity)
      await claims.release(before.identity, owner);
  };
}

/** Before DELETE of an email provider: what frees its identity of the stack's account after. */
export async function releaseEmailIdentity(
  tenantId: string,
  name: string,
): Promise<() => Promise<void>> {
  const provider = await providers?.get(tenantId, 'email', name);
  return async () => {
    cache.delete(tenantId);
    const s = provider?.settings;
    if (s?.vendor === 'ses' && s.roleArn === undefined) {
      await claims.release(s.identity, `${tenantId}/${name}`);
    }
  };
}
