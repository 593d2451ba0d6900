import { GetEmailIdentityCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { TenantProvider } from '../../../core/providers/model';
import type { ProviderVerifier } from '../../../core/providers/ports';
import { errorMessage, stringProp } from '../classify';
import type { SesTenantAccess } from '../email/ses-tenant-client';

type Result = { ok: boolean; problem?: string };

const TIMEOUT_MS = 5_000;

/**
 * SES: GetEmailIdentity on the tenant's identity (through its role when it names one), which says
 * whether the identity exists in that account and region, may send (VerifiedForSendingStatus), and
 * how its DKIM stands. A role that cannot be assumed is reported as such.
 */
export function sesVerifier(
  clientFor: (access: SesTenantAccess) => SESv2Client,
  stackRegion: string,
): ProviderVerifier {
  return {
    async verify(provider: TenantProvider, secret: Record<string, string>): Promise<Result> {
      const s = provider.settings;
      if (s.vendor !== 'ses') return { ok: false, problem: 'not an SES provider' };
      if (s.roleArn !== undefined && !secret.externalId) {
        return { ok: false, problem: 'no external id stored: PUT the provider again' };
      }
      const region = s.region ?? stackRegion;
      const client = clientFor({
        region,
        ...(s.roleArn !== undefined && { roleArn: s.roleArn, externalId: secret.externalId }),
      });
      try {
        const answer = await client.send(
          new GetEmailIdentityCommand({ EmailIdentity: s.identity }),
          {
            abortSignal: AbortSignal.timeout(TIMEOUT_MS),
          },
        );
        const problems: string[] = [];
        if (answer.VerifiedForSendingStatus !== true) {
          problems.push(`SES identity ${s.identity} is not verified for sending in ${region}`);
        }
        const dkim = answer.DkimAttributes?.Status;
        if (dkim !== undefined && dkim !== 'SUCCESS') {
          problems.push(`its DKIM status is ${dkim}`);
        }
        return problems.length === 0 ? { ok: true } : { ok: false, problem: problems.join('; ') };
      } catch (error) {
        const name = stringProp(error, 'name') ?? 'Error';
        if (name === 'NotFoundException') {
          return { ok: false, problem: `SES has no identity ${s.identity} in ${region}` };
        }
        if (name === 'AccessDenied' && s.roleArn !== undefined) {
          return {
            ok: false,
            problem: `the role ${s.roleArn} could not be assumed (check its trust policy and external id): ${errorMessage(error)}`,
          };
        }
        return {
          ok: false,
          problem: `SES refused the identity check (${name}): ${errorMessage(error)}`,
        };
      }
    },
  };
}
