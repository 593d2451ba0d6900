import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { STSClient } from '@aws-sdk/client-sts';

/** How a tenant's SES identity is reached: the stack's credentials, or a role in its account. */
export interface SesTenantAccess {
  region: string;
  roleArn?: string;
  externalId?: string;
}

/** Temporary credentials, as the SDK takes them. */
interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Settings the clients share (timeouts, retries); no credentials. */
export type SesClientSettings = ConstructorParameters<typeof SESv2Client>[0];

/**
 * The STS client module, loaded on the first AssumeRole of the container: only tenants whose SES
 * identity is in another account need it, so the email sender's cold start does not load it (its
 * bundle keeps it in a chunk of its own: lib/constructs/build-function.ts).
 */
const loadSts = () => import('@aws-sdk/client-sts');

/**
 * Credentials of the tenant's role, assumed with its external id. The SDK memoizes an identity
 * provider until shortly before `expiration`, so one AssumeRole serves an hour of sends.
 */
export function assumedRoleCredentials(
  sts: () => Promise<STSClient>,
  roleArn: string,
  externalId: string | undefined,
): () => Promise<AwsCredentialIdentity> {
  return async () => {
    const { AssumeRoleCommand } = await loadSts();
    const answer = await (await sts()).send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'herald-email',
        ...(externalId !== undefined && { ExternalId: externalId }),
        DurationSeconds: 3600,
      }),
    );
    const c = answer.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      throw Object.assign(new Error(`AssumeRole ${roleArn} returned no credentials`), {
        name: 'AccessDenied',
      });
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken !== undefined && { sessionToken: c.SessionToken }),
      ...(c.Expiration !== undefined && { expiration: c.Expiration }),
    };
  };
}

/**
 * One SES v2 client per (region, role, external id), kept for the container: a tenant's list is
 * re-read every PROVIDER_CACHE_SECONDS, its client (and assumed credentials) are not rebuilt.
 */
export class SesTenantClients {
  readonly #clients = new Map<string, SESv2Client>();
  readonly #sts = new Map<string, Promise<STSClient>>();

  constructor(
    private readonly settings: SesClientSettings = {},
    private readonly wrap: <T extends object>(client: T) => T = (client) => client,
  ) {}

  get(access: SesTenantAccess): SESv2Client {
    const key = `${access.region}\n${access.roleArn ?? ''}\n${access.externalId ?? ''}`;
    let client = this.#clients.get(key);
    if (!client) {
      client = this.wrap(
        new SESv2Client({
          ...this.settings,
          region: access.region,
          ...(access.roleArn !== undefined && {
            credentials: assumedRoleCredentials(
              this.#stsFor(access.region),
              access.roleArn,
              access.externalId,
            ),
          }),
        }),
      );
      this.#clients.set(key, client);
    }
    return client;
  }

  /** The region's STS client, created (and its module loaded) on the first AssumeRole. */
  #stsFor(region: string): () => Promise<STSClient> {
    return () => {
      let sts = this.#sts.get(region);
      if (!sts) {
        sts = loadSts().then(({ STSClient }) =>
          this.wrap(new STSClient({ region, maxAttempts: 2 })),
        );
        // A failed load is not kept: the next AssumeRole tries again.
        sts.catch(() => this.#sts.delete(region));
        this.#sts.set(region, sts);
      }
      return sts;
    };
  }
}
