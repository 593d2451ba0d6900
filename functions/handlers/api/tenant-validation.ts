import { ProviderStore } from '../../adapters/dynamodb/provider-store';
import type { ValidationOptions } from '../../core/notifications/requests';
import { dynamo } from '../../runtime/aws-clients';
import { createSlackAllowLists } from '../../runtime/slack-allow-lists';
import { loadTenantProviderConfig } from '../../runtime/tenant-provider-config';
import { config } from './context';
import { withTenantIdentities } from './provider-email';

/*
 * A tenant's providers as the send path validates against them (its email identities, its Slack
 * allow-list), kept apart from the allow-list's routes (slack-allow-list.ts, the manage function)
 * so the api function imports no management route.
 */

const settings = loadTenantProviderConfig();
const providers = settings && new ProviderStore(dynamo, config.tableName);
export const allowLists = createSlackAllowLists(dynamo, config.tableName);

/** Whether the tenant has a Slack bot of its own, kept PROVIDER_CACHE_SECONDS per container. */
const ownBots = new Map<string, { until: number; own: Promise<boolean> }>();
export function hasOwnBot(tenantId: string): Promise<boolean> {
  if (!providers || !settings) return Promise.resolve(false);
  const now = Date.now();
  const hit = ownBots.get(tenantId);
  if (hit && hit.until > now) return hit.own;
  const own = providers.list(tenantId, 'slack').then((list) => list.length > 0);
  ownBots.set(tenantId, { until: now + settings.cacheSeconds * 1000, own });
  own.catch(() => ownBots.delete(tenantId));
  return own;
}

/**
 * Validation options for a tenant's request (notifications.ts): on the stack's Slack bot under
 * an allow-list, a Slack channel must be on it (a 400 at the field, nothing enqueued).
 */
export async function withSlackAllowList(
  options: ValidationOptions | Promise<ValidationOptions>,
  tenantId: string,
): Promise<ValidationOptions> {
  const [base, ownBot] = await Promise.all([options, hasOwnBot(tenantId)]);
  const channels = await allowLists.channelsFor(tenantId, ownBot);
  return channels === undefined ? base : { ...base, slackChannels: channels };
}

/** A tenant's validation options: its own email identities (`from`) and its Slack allow-list. */
export const withTenantProviders = (options: ValidationOptions, tenantId: string) =>
  withSlackAllowList(withTenantIdentities(options, tenantId), tenantId);
