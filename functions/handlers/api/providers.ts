import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { ProviderStore } from '../../adapters/dynamodb/provider-store';
import { TokenBucketStore } from '../../adapters/dynamodb/token-bucket-store';
import { fcmVerifier } from '../../adapters/providers/verify/fcm-verifier';
import { slackVerifier, twilioVerifier } from '../../adapters/providers/verify/provider-verifiers';
import { sesVerifier } from '../../adapters/providers/verify/ses-verifier';
import { SecretsManagerProviderVault } from '../../adapters/secrets/provider-vault';
import {
  parseProviderPath,
  slackProviderSchema,
  TENANT_PROVIDER_CHANNELS,
  twilioProviderSchema,
} from '../../core/providers/config';
import { sesProviderSchema } from '../../core/providers/email-identity';
import {
  type ProviderManagement,
  putProvider,
  removeProvider,
  verifyProvider,
} from '../../core/providers/manage';
import type { TenantProvider } from '../../core/providers/model';
import { fcmProviderSchema, projectRate } from '../../core/providers/push-config';
import { senderFor } from '../../core/providers/senders';
import { NotFoundError } from '../../core/shared/errors';
import { dynamo } from '../../runtime/aws-clients';
import { HttpError, json, parseJsonBody } from '../../runtime/http';
import { errorSchema } from '../../runtime/openapi';
import { sesTenantClients } from '../../runtime/providers/ses-tenant';
import { loadTenantProviderConfig } from '../../runtime/tenant-provider-config';
import { poolOf } from '../../runtime/tenant-providers';
import { traced } from '../../runtime/tracing';
import { type ApiRoute, config, pathParameter, tenantOf } from './context';
import { claimEmailIdentity, releaseEmailIdentity } from './provider-email';

const settings = loadTenantProviderConfig();
const deps: ProviderManagement | undefined = settings && {
  providers: new ProviderStore(dynamo, config.tableName),
  vault: new SecretsManagerProviderVault(
    traced(new SecretsManagerClient({})),
    settings.secretPrefix,
  ),
  verifiers: {
    sms: twilioVerifier(settings.twilioApiBaseUrl),
    whatsapp: twilioVerifier(settings.twilioApiBaseUrl),
    slack: slackVerifier(settings.slackApiUrl),
    push: fcmVerifier(settings.fcmApiBaseUrl, settings.googleTokenUrl),
    // SESv2 GetEmailIdentity, through the tenant's role when it names one.
    email: sesVerifier((access) => sesTenantClients().get(access), process.env.AWS_REGION ?? ''),
  },
};

/** The senders' rate buckets, read here only for their breaker state. */
const buckets = new TokenBucketStore(dynamo, config.tableName);

function providerDeps(): ProviderManagement {
  if (!deps) throw new HttpError(404, 'Tenant providers are not enabled in this deployment');
  return deps;
}

const pathOf = (event: APIGatewayProxyEvent) =>
  parseProviderPath(
    pathParameter(event, 'channel', 'Provider'),
    pathParameter(event, 'name', 'Provider'),
  );

type BreakerStates = Awaited<ReturnType<TokenBucketStore['breakerStates']>>;

/** Every sender key of these providers (Slack: per channel, not listed). */
const senderKeys = (providers: TenantProvider[]) =>
  providers.flatMap((p) => {
    const pool = poolOf(p);
    if (p.channel === 'slack') return [];
    return pool.ids.map((id) => senderFor({ ...pool, ids: [id] }, p.channel, id).key);
  });

function breakersOf(providers: TenantProvider[]): Promise<BreakerStates> {
  return buckets.breakerStates(senderKeys(providers), Date.now());
}

/** A provider as the API shows it: settings, each sender's rate and breaker, never the secret. */
function present(p: TenantProvider, breakers: BreakerStates = new Map()) {
  const pool = poolOf(p);
  const breaker = (key: string) => {
    const state = breakers.get(key);
    return {
      breaker: state?.open ? ('open' as const) : ('closed' as const),
      ...(state?.openUntil && { openUntil: new Date(state.openUntil).toISOString() }),
      recentFailures: state?.recentFailures ?? 0,
    };
  };
  const rates =
    p.channel === 'slack'
      ? [{ sender: 'each channel', ratePerSecond: senderFor(pool, 'slack', '#any').ratePerSecond }]
      : pool.ids.map((id) => {
          const sender = senderFor({ ...pool, ids: [id] }, p.channel, id);
          return { sender: id, ratePerSecond: sender.ratePerSecond, ...breaker(sender.key) };
        });
  return {
    channel: p.channel,
    name: p.name,
    priority: p.priority,
    settings: p.settings,
    rates: p.settings.vendor === 'fcm' ? projectRate(p.settings.projectId, rates) : rates,
    credentials: 'stored (write-only)',
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    ...(p.verification && { verification: p.verification }),
  };
}

const verificationShape = z.object({
  ok: z.boolean(),
  checkedAt: z.string(),
  problem: z.optional(z.string()),
});
const providerShape = z.object({
  channel: z.enum(TENANT_PROVIDER_CHANNELS),
  name: z.string(),
  priority: z.number(),
  settings: z.record(z.string(), z.unknown()),
  rates: z.array(
    z.object({
      sender: z.string(),
      ratePerSecond: z.number(),
      breaker: z.optional(z.enum(['open', 'closed'])),
      openUntil: z.optional(z.string()),
      recentFailures: z.optional(z.number()),
    }),
  ),
  credentials: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  verification: z.optional(verificationShape),
});

/** A tenant's own providers: credentials write-only (Secrets Manager), managed with `admin`. */
export const providerRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/providers',
    access: 'read',
    doc: {
      summary: "The tenant's own providers",
      description: 'Settings, each sender’s rate, the last verification; never a credential.',
      tag: 'providers',
      responses: {
        200: {
          description: 'Every provider, in failover order per channel',
          schema: z.object({ items: z.array(providerShape) }),
        },
      },
    },
    handler: async (event) => {
      const items = await providerDeps().providers.list(tenantOf(event));
      const breakers = await breakersOf(items);
      return json(200, { items: items.map((p) => present(p, breakers)) });
    },
  },
  {
    method: 'GET',
    path: '/v1/providers/{channel}/{name}',
    access: 'read',
    doc: {
      summary: 'One of the tenant’s providers',
      tag: 'providers',
      responses: { 200: { description: 'The provider', schema: providerShape } },
    },
    handler: async (event) => {
      const { channel, name } = pathOf(event);
      const found = await providerDeps().providers.get(tenantOf(event), channel, name);
      if (!found) throw new NotFoundError(`No ${channel} provider named ${name}`);
      return json(200, present(found, await breakersOf([found])));
    },
  },
  {
    method: 'PUT',
    path: '/v1/providers/{channel}/{name}',
    access: 'admin',
    doc: {
      summary:
        'Bring your own provider for a channel (Twilio for sms/whatsapp, a Slack bot, an FCM project for push)',
      description:
        'Credentials of the wrong shape are a 400 at the field; a rate of 0 or above the provider’s documented maximum is a 400 naming the limit. Credentials go to Secrets Manager (one secret per tenant and provider) and are never returned. Sends of the channel then go through this provider; POST …/verify checks the credentials.',
      tag: 'providers',
      body: z.union([
        twilioProviderSchema,
        slackProviderSchema,
        fcmProviderSchema,
        sesProviderSchema,
      ]),
      responses: {
        201: { description: 'Created', schema: providerShape },
        200: { description: 'Replaced', schema: providerShape },
        409: {
          description: 'Email: the SES identity of the stack’s account belongs to another tenant',
          schema: errorSchema,
        },
      },
    },
    handler: async (event) => {
      const { channel, name } = pathOf(event);
      const body = parseJsonBody(event, config.maxBodyBytes);
      // An SES identity of the stack's account is one tenant's only (409 otherwise).
      const claimed =
        channel === 'email' && (await claimEmailIdentity(tenantOf(event), name, body));
      const { provider, created } = await putProvider(
        providerDeps(),
        tenantOf(event),
        channel,
        name,
        body,
      );
      if (claimed) await claimed();
      return json(created ? 201 : 200, present(provider));
    },
  },
  {
    method: 'DELETE',
    path: '/v1/providers/{channel}/{name}',
    access: 'admin',
    doc: {
      summary: 'Remove a provider and its secret',
      tag: 'providers',
      responses: { 204: { description: 'Removed', schema: null } },
    },
    handler: async (event) => {
      const { channel, name } = pathOf(event);
      const release = channel === 'email' && (await releaseEmailIdentity(tenantOf(event), name));
      await removeProvider(providerDeps(), tenantOf(event), channel, name);
      if (release) await release();
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    },
  },
  {
    method: 'POST',
    path: '/v1/providers/{channel}/{name}/verify',
    access: 'admin',
    doc: {
      summary: 'Check the provider’s credentials with one cheap real call',
      description:
        'Twilio: the account fetch; Slack: auth.test; FCM: a dry run (validate_only) to a token that cannot exist. `problem` says what is wrong.',
      tag: 'providers',
      responses: {
        200: { description: 'What the provider said', schema: verificationShape },
        404: { description: 'No such provider', schema: errorSchema },
      },
    },
    handler: async (event) => {
      const { channel, name } = pathOf(event);
      return json(200, await verifyProvider(providerDeps(), tenantOf(event), channel, name));
    },
  },
];
