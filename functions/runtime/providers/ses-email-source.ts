import { SESv2Client } from '@aws-sdk/client-sesv2';
import * as z from 'zod/mini';
import { SesEmailProvider } from '../../adapters/providers/email/ses-email-provider';
import { PROVIDER_TIMEOUT_MS } from '../../core/notifications/model';
import { sesPool } from '../../core/providers/email-identity';
import { traced } from '../tracing';
import { unsubscribeLinks } from '../unsubscribe-links';
import { sesTenantBuilder } from './ses-tenant';
import { type ProviderSource, parseEnv } from './source';

const envSchema = z.object({
  EMAIL_FROM: z.string().check(z.minLength(1)),
  SES_CONFIGURATION_SET: z.optional(z.string().check(z.minLength(1))),
  AWS_REGION: z._default(z.string(), 'us-east-1'),
  /** The stack's SES account sending rate (messages/s); default SES's production 14/s. */
  SES_RATE_PER_SECOND: z.optional(z.coerce.number().check(z.positive())),
});

/**
 * The email function's provider: SES v2 with the configured sender. maxAttempts 1: SQS owns
 * retries (with backoff and the DLQ), so an SDK retry loop would only hide throttling.
 */
export function createSesEmailSource(
  env: NodeJS.ProcessEnv = process.env,
): ProviderSource<'email'> {
  const settings = parseEnv(envSchema, env);
  // One-click unsubscribe links for emails to recipient ids (runtime/unsubscribe-links.ts).
  const links = unsubscribeLinks(env);
  const clientSettings = {
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: PROVIDER_TIMEOUT_MS,
      connectionTimeout: 2_000,
      // Without it a passed requestTimeout only logs a warning; the per-call signal also aborts.
      throwOnRequestTimeout: true,
    },
  };
  const provider = new SesEmailProvider(
    {
      from: settings.EMAIL_FROM,
      ...(links && { listUnsubscribe: links.linkFor }),
      ...(settings.SES_CONFIGURATION_SET !== undefined && {
        configurationSet: settings.SES_CONFIGURATION_SET,
      }),
    },
    traced(new SESv2Client(clientSettings)),
  );
  return {
    get: async () => provider,
    // SES limits the account: one sender, shared by every tenant without an account of its own.
    senders: async () => sesPool('stack', {}, settings.AWS_REGION, settings.SES_RATE_PER_SECOND),
    // Tenants' own SES identities (PUT /v1/providers/email/{name}).
    tenant: sesTenantBuilder({
      stackRegion: settings.AWS_REGION,
      clientSettings,
      ...(settings.SES_CONFIGURATION_SET !== undefined && {
        stackConfigurationSet: settings.SES_CONFIGURATION_SET,
      }),
      ...(links && { listUnsubscribe: links.linkFor }),
    }),
  };
}
