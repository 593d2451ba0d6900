import * as z from 'zod/mini';
import { parseEnv } from './config';

/** Settings of tenant providers, shared by the api and the channel functions. */
export interface TenantProviderConfig {
  /** Name prefix of every tenant's provider secret, e.g. `herald/prod/tenants/`. */
  secretPrefix: string;
  /** A tenant without its own provider may not use the stack's (TENANT_PROVIDERS_REQUIRED). */
  required: boolean;
  /** How long a channel function keeps a tenant's provider list (PROVIDER_CACHE_SECONDS). */
  cacheSeconds: number;
  twilioApiBaseUrl?: string;
  slackApiUrl?: string;
  fcmApiBaseUrl?: string;
  /** Google's OAuth token endpoint for verify's access token (GOOGLE_OAUTH_TOKEN_URL). */
  googleTokenUrl?: string;
  /** SES identities of the stack's account tenants may claim (TENANT_SES_IDENTITIES). */
  sesIdentities: string[];
}

const schema = () =>
  z.object({
    TENANT_SECRET_PREFIX: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9/_+=.@-]+\/$/, 'must end in /')),
    ),
    TENANT_PROVIDERS_REQUIRED: z._default(z.enum(['true', 'false']), 'false'),
    PROVIDER_CACHE_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(0)), 30),
    TWILIO_API_BASE_URL: z.optional(z.url()),
    SLACK_API_URL: z.optional(z.url()),
    FCM_API_BASE_URL: z.optional(z.url()),
    GOOGLE_OAUTH_TOKEN_URL: z.optional(z.url()),
    TENANT_SES_IDENTITIES: z._default(z.string(), ''),
  });

/** Undefined when the stack gives tenants no providers of their own (no TENANT_SECRET_PREFIX). */
export function loadTenantProviderConfig(
  env: NodeJS.ProcessEnv = process.env,
): TenantProviderConfig | undefined {
  const parsed = parseEnv(schema(), env);
  if (!parsed.TENANT_SECRET_PREFIX) return undefined;
  return {
    secretPrefix: parsed.TENANT_SECRET_PREFIX,
    required: parsed.TENANT_PROVIDERS_REQUIRED === 'true',
    cacheSeconds: parsed.PROVIDER_CACHE_SECONDS,
    sesIdentities: parsed.TENANT_SES_IDENTITIES.split(',')
      .map((identity) => identity.trim().toLowerCase())
      .filter((identity) => identity !== ''),
    ...(parsed.TWILIO_API_BASE_URL && { twilioApiBaseUrl: parsed.TWILIO_API_BASE_URL }),
    ...(parsed.SLACK_API_URL && { slackApiUrl: parsed.SLACK_API_URL }),
    ...(parsed.FCM_API_BASE_URL && { fcmApiBaseUrl: parsed.FCM_API_BASE_URL }),
    ...(parsed.GOOGLE_OAUTH_TOKEN_URL && { googleTokenUrl: parsed.GOOGLE_OAUTH_TOKEN_URL }),
  };
}
