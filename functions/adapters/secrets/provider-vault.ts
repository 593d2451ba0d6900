import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { TenantProviderChannel } from '../../core/providers/config';
import type { ProviderSecretVault } from '../../core/providers/ports';

/** Characters Secrets Manager takes in a name (besides the / Herald uses as a separator). */
const SAFE = /^[A-Za-z0-9_.@=+-]+$/;

/**
 * Tenant provider credentials in Secrets Manager, one secret per tenant and provider:
 * `<prefix><tenant>/<channel>/<name>`. The prefix is the stack's (IAM grants stop at it), so a
 * tenant's secrets can be granted by name prefix with no wildcard beyond the stack's own.
 * Values go in and out as JSON; they are never logged.
 */
export class SecretsManagerProviderVault implements ProviderSecretVault {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly prefix: string,
  ) {}

  nameFor(tenantId: string, channel: TenantProviderChannel, name: string): string {
    // A tenant id with other characters is encoded: the name must stay one path segment.
    const tenant = SAFE.test(tenantId)
      ? tenantId
      : `b64.${Buffer.from(tenantId).toString('base64url')}`;
    return `${this.prefix}${tenant}/${channel}/${name}`;
  }

  async put(secretName: string, value: Record<string, string>): Promise<void> {
    const SecretString = JSON.stringify(value);
    try {
      await this.client.send(new PutSecretValueCommand({ SecretId: secretName, SecretString }));
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
      await this.client.send(
        new CreateSecretCommand({
          Name: secretName,
          SecretString,
          Description: 'Herald: a tenant provider’s credentials (written by PUT /v1/providers)',
        }),
      );
    }
  }

  async read(secretName: string): Promise<Record<string, string> | undefined> {
    try {
      const answer = await this.client.send(new GetSecretValueCommand({ SecretId: secretName }));
      return answer.SecretString
        ? (JSON.parse(answer.SecretString) as Record<string, string>)
        : undefined;
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  async remove(secretName: string): Promise<void> {
    await this.client
      .send(new DeleteSecretCommand({ SecretId: secretName, ForceDeleteWithoutRecovery: true }))
      .catch((error: unknown) => {
        if ((error as Error).name !== 'ResourceNotFoundException') throw error;
      });
  }
}
