import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ProviderStore } from '../adapters/dynamodb/provider-store';
import { FCM_CREDENTIAL_CODES } from '../adapters/providers/push/fcm-credential-codes';
import { SecretsManagerProviderVault } from '../adapters/secrets/provider-vault';
import type { ChannelProvider } from '../core/delivery/ports';
import type { Channel } from '../core/notifications/model';
import { TENANT_PROVIDER_CHANNELS, type TenantProviderChannel } from '../core/providers/config';
import { sesPool } from '../core/providers/email-identity';
import type { TenantProvider } from '../core/providers/model';
import { fcmPool } from '../core/providers/push-config';
import type { SenderPool } from '../core/providers/senders';
import { ProviderError } from '../core/shared/errors';
import { dynamo } from './aws-clients';
import { twilioPool } from './provider-senders';
import type { ProviderSource } from './providers/source';
import { createSlackAllowLists } from './slack-allow-lists';
import type { TenantProviderConfig } from './tenant-provider-config';
import { traced } from './tracing';

/** One way out for a delivery: the stack's provider or one of the tenant's own. */
export interface ProviderRoute {
  /** `stack`, or `<tenant>/<name>`. */
  owner: string;
  /** The tenant's own provider (a refused credential then fails the send, see ownedProvider). */
  own: boolean;
  senders(): Promise<SenderPool | undefined>;
  get(sender?: string): Promise<ChannelProvider>;
}

/** The senders of a tenant's provider, its rate overrides included. */
export function poolOf(p: TenantProvider): SenderPool {
  const owner = `${p.tenantId}/${p.name}`;
  const rate = p.settings.ratePerSecond;
  if (p.settings.vendor === 'slack') {
    return {
      owner,
      kind: 'slack-channel',
      ids: [],
      ...(rate !== undefined && { ratePerSecond: rate }),
    };
  }
  if (p.settings.vendor === 'fcm') return fcmPool(owner, p.settings.projectId, rate);
  // SES limits an account per region: the stack's own (shared) unless the tenant's role names one.
  if (p.settings.vendor === 'ses') {
    const stackRate = Number(process.env.SES_RATE_PER_SECOND) || undefined;
    return sesPool(owner, p.settings, process.env.AWS_REGION ?? '', stackRate);
  }
  const channel = p.channel === 'whatsapp' ? 'whatsapp' : 'sms';
  const senders = p.settings.senders;
  return twilioPool(owner, channel, {
    ...(channel === 'sms' ? { smsFrom: senders } : { whatsappFrom: senders }),
    ratePerSecond: rate,
  });
}

/*
 * Answers that mean the tenant's credentials (or sender) are refused. For the stack's own
 * providers they stay transient (the operator fixes them and replays the DLQ); for a tenant's own
 * they fail the send permanently with a reason and event the tenant sees, so a revoked token never
 * fills the operator's DLQ.
 */
const CREDENTIAL_CODES = new Set([
  '20003', // Twilio: authenticate
  '20005', // Twilio: account not active
  '21606', // Twilio: From is not a number of this account
  '21660', // Twilio: From does not belong to this account
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'missing_scope',
  'not_in_channel',
  ...FCM_CREDENTIAL_CODES,
]);

/** A tenant's provider: a refused credential is the tenant's permanent failure, not a retry. */
export function ownedProvider(provider: ChannelProvider, label: string): ChannelProvider {
  return {
    channel: provider.channel,
    async send(message, options) {
      try {
        return await provider.send(message, options);
      } catch (error) {
        if (error instanceof ProviderError && error.retryable && CREDENTIAL_CODES.has(error.code)) {
          throw new ProviderError(
            'permanent',
            error.code,
            `the tenant provider ${label} refused its credentials (${error.code}); fix them with PUT /v1/providers/${label}: ${error.message}`,
            { cause: error },
          );
        }
        throw error;
      }
    },
  };
}

/** Fails every send: the stack requires tenants to bring their own provider for this channel. */
function noProviderRoute(channel: Channel): ProviderRoute {
  const provider: ChannelProvider = {
    channel,
    send: async () => {
      throw new ProviderError(
        'permanent',
        'no_provider',
        `this stack requires each tenant's own ${channel} provider: PUT /v1/providers/${channel}/<name>`,
      );
    },
  };
  return { owner: 'none', own: true, senders: async () => undefined, get: async () => provider };
}

export interface TenantRouterDeps {
  channel: Channel;
  stack: ProviderSource;
  config: TenantProviderConfig | undefined;
  tableName: string;
  /** Herald's Twilio status callback route, for the tenant's Twilio messages too. */
  statusCallbackUrl?: string;
}

/**
 * The routes of one channel function, per tenant and in failover order: the tenant's own
 * providers (cached per container for PROVIDER_CACHE_SECONDS), else the stack's (unless the stack
 * requires tenants' own). Credentials come from the tenant's secret, read when the list is.
 */
export function createTenantRouter(deps: TenantRouterDeps) {
  const { channel, config } = deps;
  const stackRoute: ProviderRoute = {
    owner: 'stack',
    own: false,
    senders: () => deps.stack.senders?.() ?? Promise.resolve(undefined),
    get: (sender) => deps.stack.get(sender),
  };
  const supported = (TENANT_PROVIDER_CHANNELS as readonly string[]).includes(channel);
  const build = deps.stack.tenant;
  if (!config || !supported || !build)
    return { routes: async (_tenantId?: string) => [stackRoute] };
  const buildOwn = build;

  const store = new ProviderStore(dynamo, deps.tableName);
  const vault = new SecretsManagerProviderVault(
    traced(new SecretsManagerClient({})),
    config.secretPrefix,
  );
  const cache = new Map<string, { until: number; routes: Promise<ProviderRoute[]> }>();
  const slackAllowLists =
    channel === 'slack' ? createSlackAllowLists(dynamo, deps.tableName) : undefined;

  async function load(tenantId: string): Promise<ProviderRoute[]> {
    const providers = await store.list(tenantId, channel as TenantProviderChannel);
    const routes = await Promise.all(providers.map((p) => routeOf(p)));
    if (routes.length > 0) return routes;
    if (config?.required) return [noProviderRoute(channel)];
    // On the stack's Slack bot, a tenant posts only to its allow-list (slack-allow-lists.ts).
    return [slackAllowLists ? await slackAllowLists.restrict(stackRoute, tenantId) : stackRoute];
  }

  async function routeOf(p: TenantProvider): Promise<ProviderRoute> {
    const secret = (await vault.read(p.secretName)) ?? {};
    const label = `${p.channel}/${p.name}`;
    const pool = poolOf(p);
    const base = buildOwn(p, secret, {
      config: config as TenantProviderConfig,
      ...(deps.statusCallbackUrl && { statusCallbackUrl: deps.statusCallbackUrl }),
    });
    const bySender = new Map<string, ChannelProvider>();
    return {
      owner: pool.owner,
      own: true,
      senders: async () => pool,
      async get(sender) {
        if (sender === undefined || !base.fromSender) return ownedProvider(base.provider, label);
        let chosen = bySender.get(sender);
        if (!chosen) {
          chosen = ownedProvider(base.fromSender(sender), label);
          bySender.set(sender, chosen);
        }
        return chosen;
      },
    };
  }

  return {
    async routes(tenantId?: string): Promise<ProviderRoute[]> {
      if (tenantId === undefined) return [stackRoute];
      const now = Date.now();
      const hit = cache.get(tenantId);
      if (hit && hit.until > now) return hit.routes;
      const routes = load(tenantId);
      cache.set(tenantId, { until: now + config.cacheSeconds * 1000, routes });
      // A failed read is not kept: the next delivery tries again.
      routes.catch(() => cache.delete(tenantId));
      return routes;
    },
  };
}

/**
 * The auth token a Twilio status callback must be signed with: that of the account that sent
 * (`AccountSid` of the callback) among the tenant's own providers, else the stack's. A callback
 * signed with another tenant's (or any other) token does not verify.
 */
const CALLBACK_TOKEN_CACHE_MS = 60_000;

export function createCallbackTokens(config: TenantProviderConfig | undefined, tableName: string) {
  const store = config && new ProviderStore(dynamo, tableName);
  const vault =
    config &&
    new SecretsManagerProviderVault(traced(new SecretsManagerClient({})), config.secretPrefix);
  // Every message brings two or three callbacks: the tenant's token is kept a minute (as
  // Powertools keeps the stack's five), not read per callback.
  const cache = new Map<string, { until: number; token: Promise<string | undefined> }>();
  const tenantToken = async (tenantId: string, accountSid: string) => {
    if (!store || !vault) return undefined;
    const lists = await Promise.all([
      store.list(tenantId, 'sms'),
      store.list(tenantId, 'whatsapp'),
    ]);
    const sender = lists
      .flat()
      .find((p) => p.settings.vendor === 'twilio' && p.settings.accountSid === accountSid);
    return sender ? ((await vault.read(sender.secretName))?.authToken ?? '') : undefined;
  };
  return async (
    stackToken: () => Promise<string>,
    tenantId: string,
    accountSid: string | undefined,
  ) => {
    if (tenantId && accountSid) {
      const key = `${tenantId}\n${accountSid}`;
      let hit = cache.get(key);
      if (!hit || hit.until < Date.now()) {
        hit = {
          until: Date.now() + CALLBACK_TOKEN_CACHE_MS,
          token: tenantToken(tenantId, accountSid),
        };
        cache.set(key, hit);
        hit.token.catch(() => cache.delete(key));
      }
      const token = await hit.token;
      if (token !== undefined) return token;
    }
    return stackToken();
  };
}
