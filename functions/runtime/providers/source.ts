import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import type { ChannelProvider } from '../../core/delivery/ports';
import type { Channel } from '../../core/notifications/model';
import type { SenderPool } from '../../core/providers/senders';
import { ProviderError } from '../../core/shared/errors';
import { parseEnv as parseSettings } from '../config';
import { traced } from '../tracing';
import type { TenantProviderBuilder } from './tenant-builder';

/** A missing or malformed provider setting or secret; the message names it. */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
}

/** Hands out the channel's provider, rebuilt only when its secret has changed. */
export interface ProviderSource<C extends Channel = Channel> {
  /** The provider; given a sender (one of `senders()`' ids), one that sends from it. */
  get(sender?: string): Promise<ChannelProvider<C>>;
  /** The senders the provider sends from, for the send-rate gate; absent: no rate applies. */
  senders?(): Promise<SenderPool | undefined>;
  /** Builds a tenant's own provider of this channel; absent: the channel has none. */
  tenant?: TenantProviderBuilder;
}

/** Reads a secret's parsed JSON value; Powertools (cached 5 minutes) unless a test injects one. */
export type SecretReader = (secretId: string) => Promise<unknown>;

/** Test seams; production code passes nothing. */
export interface ProviderSourceDeps {
  readSecret?: SecretReader;
}

const SECRET_MAX_AGE_SECONDS = 300;

let secrets: SecretsProvider | undefined;
const readSecretWithPowertools: SecretReader = (secretId) => {
  // Built on first use (the email and MQTT functions never read a secret), with a traced client.
  secrets ??= new SecretsProvider({ awsSdkV3Client: traced(new SecretsManagerClient({})) });
  return secrets.get(secretId, { transform: 'json', maxAge: SECRET_MAX_AGE_SECONDS });
};

/** The secret reader to use: the injected one, else Powertools. */
export function secretReader(deps: ProviderSourceDeps = {}): SecretReader {
  return deps.readSecret ?? readSecretWithPowertools;
}

/** The value the stack puts in every provider secret until the operator replaces it. */
export const SECRET_PLACEHOLDER = 'REPLACE_ME';

/** Whether a secret's value still holds the stack's placeholder in any top-level field. */
function isPlaceholder(value: unknown): boolean {
  if (value === SECRET_PLACEHOLDER) return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).some((field) => field === SECRET_PLACEHOLDER)
  );
}

/**
 * Reads the secret on every `get()` (Powertools serves it from its 5-minute cache) and rebuilds
 * the provider only when the value differs from the one it was built from, so a rotated secret
 * is picked up within the cache age and ordinary calls reuse the provider and its connections.
 */
export function secretBackedSource<C extends Channel>(
  /** The vendor's name for messages, e.g. `Twilio`. */
  vendor: string,
  secretId: string,
  readSecret: SecretReader,
  build: (value: unknown) => ChannelProvider<C>,
): ProviderSource<C> {
  let current: { value: unknown; fingerprint: string; provider: ChannelProvider<C> } | undefined;
  let inFlight: Promise<ChannelProvider<C>> | undefined;

  async function load(): Promise<ChannelProvider<C>> {
    const value = await readSecret(secretId);
    if (value === undefined || value === null) {
      throw new ProviderConfigError(`Secret ${secretId} has no value`);
    }
    // An unfilled secret cannot start working by retrying: fail the delivery at once, with a
    // reason the operator recognises, instead of riding the retries into the DLQ.
    if (isPlaceholder(value)) {
      throw new ProviderError(
        'permanent',
        'SecretNotConfigured',
        `${vendor} secret not configured: ${secretId} still holds the placeholder ${SECRET_PLACEHOLDER}`,
      );
    }
    // Powertools returns the same cached object until the secret is read again: only then is it
    // worth serialising to see whether the value really changed.
    if (current && current.value === value) return current.provider;
    const fingerprint = JSON.stringify(value);
    if (current?.fingerprint !== fingerprint) {
      current = { value, fingerprint, provider: build(value) };
    } else {
      current.value = value;
    }
    return current.provider;
  }

  return {
    get() {
      // Concurrent sends in one invocation share a single secret read.
      inFlight ??= load().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}

/** Provider settings from env, failing with a ProviderConfigError that names the variable. */
export function parseEnv<T extends z.core.$ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  return parseSettings(
    schema,
    env,
    (message) => new ProviderConfigError(`Invalid provider settings: ${message}`),
  );
}

/** Validates a secret's shape; the message names fields, never their values. */
export function parseSecret<T extends z.core.$ZodType>(
  schema: T,
  value: unknown,
  secretId: string,
): z.infer<T> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => issue.path.join('.') || '(root)');
  throw new ProviderConfigError(`Secret ${secretId} is malformed: check ${fields.join(', ')}`);
}
