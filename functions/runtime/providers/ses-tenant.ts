import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { SesEmailProvider } from '../../adapters/providers/email/ses-email-provider';
import {
  type SesClientSettings,
  SesTenantClients,
} from '../../adapters/providers/email/ses-tenant-client';
import type { ChannelProvider } from '../../core/delivery/ports';
import type { OutboundMessage } from '../../core/notifications/model';
import { accountOfRole } from '../../core/providers/email-identity';
import { withinIdentity } from '../../core/shared/email-identities';
import { ProviderError } from '../../core/shared/errors';
import { traced } from '../tracing';
import type { TenantProviderBuilder } from './tenant-builder';

/*
 * Answers that mean the tenant's identity or role is not usable: for a tenant's own provider they
 * fail the send permanently with a reason the tenant sees (never the operator's DLQ): the role
 * cannot be assumed, SES denies the identity, the identity or its MAIL FROM is not verified, the
 * tenant's configuration set does not exist.
 */
const SES_TENANT_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'NotFoundException',
]);

/** The stack's settings a tenant's SES provider shares. */
export interface SesTenantOptions {
  stackRegion: string;
  /** Herald's configuration set: for identities in the stack's account (it exists only there). */
  stackConfigurationSet?: string;
  listUnsubscribe?: (message: OutboundMessage<'email'>) => Promise<string | undefined>;
  clientSettings?: SesClientSettings;
}

/** The clients of tenants' SES identities, kept per container (the api's verify uses them too). */
export function sesTenantClients(settings?: SesClientSettings): SesTenantClients {
  if (settings) return new SesTenantClients(settings, (client) => traced(client));
  shared ??= new SesTenantClients({ maxAttempts: 1 }, (client) => traced(client));
  return shared;
}
let shared: SesTenantClients | undefined;

/**
 * Builds a tenant's SES provider: the stack's credentials for an identity in the stack's account,
 * the assumed role's for one in the tenant's (FromEmailAddressIdentityArn names it). A From outside
 * the identity is refused before SES is called (ingest refuses it already; this covers the other
 * ways a send can name one).
 */
export function sesTenantBuilder(options: SesTenantOptions): TenantProviderBuilder {
  const clients = sesTenantClients(options.clientSettings);
  return (p, secret) => {
    const s = p.settings;
    if (s.vendor !== 'ses') throw new Error(`not an SES provider: ${p.channel}/${p.name}`);
    const region = s.region ?? options.stackRegion;
    const client: SESv2Client = clients.get({
      region,
      ...(s.roleArn !== undefined && { roleArn: s.roleArn, externalId: secret.externalId ?? '' }),
    });
    const configurationSet =
      s.configurationSet ?? (s.roleArn === undefined ? options.stackConfigurationSet : undefined);
    const ses = new SesEmailProvider(
      {
        from: s.from,
        ...(s.roleArn !== undefined && {
          identityArn: `arn:aws:ses:${region}:${accountOfRole(s.roleArn)}:identity/${s.identity}`,
        }),
        ...(configurationSet !== undefined && { configurationSet }),
        ...(options.listUnsubscribe && { listUnsubscribe: options.listUnsubscribe }),
      },
      client,
    );
    const label = `email/${p.name}`;
    const provider: ChannelProvider<'email'> = {
      channel: 'email',
      async send(message, sendOptions) {
        const from = message.content.from;
        if (from !== undefined && !withinIdentity(from, s.identity)) {
          throw new ProviderError(
            'permanent',
            'FromNotAllowed',
            `from is outside the tenant identity ${s.identity} of ${label}`,
          );
        }
        try {
          return await ses.send(message, sendOptions);
        } catch (error) {
          if (
            error instanceof ProviderError &&
            error.retryable &&
            SES_TENANT_CODES.has(error.code)
          ) {
            throw new ProviderError(
              'permanent',
              error.code,
              `the tenant provider ${label} could not send as ${s.identity} (${error.code}); fix it with PUT /v1/providers/${label} and POST …/verify: ${error.message}`,
              { cause: error },
            );
          }
          throw error;
        }
      },
    };
    return { provider: provider as ChannelProvider };
  };
}
