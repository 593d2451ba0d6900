import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { withinIdentity } from '../../functions/core/shared/email-identities';

/** The account the stack's own credentials belong to, locally. */
export const LOCAL_ACCOUNT = '000000000000';

/** Who called: the account (from the request's access key) and the role assumed, if any. */
export interface SesCaller {
  account: string;
  role?: string;
}

/** An answer in the shape of the AWS service: status, content type, body. */
export interface FakeAnswer {
  status: number;
  contentType: string;
  body: string;
  errorType?: string;
}

const xml = (status: number, body: string): FakeAnswer => ({
  status,
  contentType: 'text/xml',
  body,
});

/**
 * The accounts behind the local SES: the stack's own (its credentials), and tenants' accounts
 * reached by STS AssumeRole (answered here too: AWS_ENDPOINT_URL_STS points at the SES fake).
 * Conventions, like the other fakes': a role ARN or external id containing `invalid` is refused
 * (AccessDenied); an identity containing `unknown` does not exist (NotFoundException), one
 * containing `unverified` exists but may not send (and its DKIM is pending); every other identity
 * is verified in every account. The outbox names the account and identity of each message.
 */
export class SesAccounts {
  readonly #sessions = new Map<string, SesCaller>();
  /** AssumeRole calls answered (accepted or refused), per role ARN. */
  readonly assumed = new Map<string, number>();

  /** STS `AssumeRole` (awsQuery: form body, XML answer). */
  assumeRole(form: URLSearchParams): FakeAnswer {
    const roleArn = form.get('RoleArn') ?? '';
    const externalId = form.get('ExternalId') ?? '';
    this.assumed.set(roleArn, (this.assumed.get(roleArn) ?? 0) + 1);
    const account = /^arn:aws[a-z-]*:iam::(\d{12}):role\//.exec(roleArn)?.[1];
    if (!account || roleArn.includes('invalid') || externalId.includes('invalid')) {
      return xml(
        403,
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/herald-email is not authorized to perform: sts:AssumeRole on resource: ${xmlEscape(roleArn)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    }
    const keyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    this.#sessions.set(keyId, { account, role: roleArn });
    const session = form.get('RoleSessionName') ?? 'session';
    const roleName = roleArn.split('/').pop() ?? 'role';
    const expiration = new Date(Date.now() + 3_600_000).toISOString();
    return xml(
      200,
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${keyId}</AccessKeyId><SecretAccessKey>${randomBytes(20).toString('hex')}</SecretAccessKey><SessionToken>${randomBytes(32).toString('base64')}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA${keyId.slice(4)}:${xmlEscape(session)}</AssumedRoleId><Arn>arn:aws:sts::${account}:assumed-role/${xmlEscape(roleName)}/${xmlEscape(session)}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    );
  }

  /** The caller of a signed request: the access key in its SigV4 Authorization header. */
  callerOf(req: IncomingMessage): SesCaller {
    const auth = req.headers.authorization ?? '';
    const keyId = /Credential=([^/]+)\//.exec(auth)?.[1] ?? '';
    return this.#sessions.get(keyId) ?? { account: LOCAL_ACCOUNT };
  }

  /** SES v2 `GetEmailIdentity`. */
  getIdentity(identity: string): FakeAnswer {
    const id = identity.toLowerCase();
    if (id.includes('unknown')) {
      return sesJson(
        404,
        { message: `Email identity ${identity} does not exist.` },
        'NotFoundException',
      );
    }
    const verified = !id.includes('unverified');
    return sesJson(200, {
      IdentityType: id.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN',
      FeedbackForwardingStatus: true,
      VerifiedForSendingStatus: verified,
      VerificationStatus: verified ? 'SUCCESS' : 'PENDING',
      DkimAttributes: {
        SigningEnabled: true,
        Status: verified ? 'SUCCESS' : 'PENDING',
        SigningAttributesOrigin: 'AWS_SES',
      },
    });
  }

  /**
   * What SES answers a SendEmail from this caller, before it sends: an identity ARN of another
   * account is not the caller's to use (no sending authorization here), a From outside the named
   * identity or at an unverified one is rejected. Undefined: it may send, as `identity`.
   */
  refuseSend(
    caller: SesCaller,
    from: string,
    identityArn: string | undefined,
  ): FakeAnswer | undefined {
    const arn =
      identityArn && /^arn:aws[a-z-]*:ses:([^:]+):(\d{12}):identity\/(.+)$/.exec(identityArn);
    if (identityArn && !arn) {
      return sesJson(
        400,
        { message: `Invalid identity ARN ${identityArn}` },
        'BadRequestException',
      );
    }
    if (arn && arn[2] !== caller.account) {
      return sesJson(
        403,
        { message: `User is not authorized to perform ses:SendEmail on resource ${identityArn}` },
        'AccessDeniedException',
      );
    }
    const identity = arn ? (arn[3] ?? '') : (from.replace(/>\s*$/, '').split('@')[1] ?? '');
    if ((arn && !withinIdentity(from, identity)) || identity.includes('unverified')) {
      return sesJson(
        400,
        {
          message: `Email address is not verified. The following identities failed the check in region ${arn?.[1] ?? 'us-east-1'}: ${from}`,
        },
        'MessageRejected',
      );
    }
    return undefined;
  }
}

function sesJson(status: number, body: unknown, errorType?: string): FakeAnswer {
  return {
    status,
    contentType: 'application/json',
    body: JSON.stringify(body),
    ...(errorType && { errorType }),
  };
}

function xmlEscape(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * What the accounts answer before the SES emulator sees a request: STS AssumeRole, GetEmailIdentity,
 * and a SendEmail the caller may not send. Undefined: the request goes on to the emulator.
 */
export function accountsAnswer(
  accounts: SesAccounts,
  req: IncomingMessage,
  path: string,
  body: Buffer,
): FakeAnswer | undefined {
  const text = body.toString('utf8');
  if (req.method === 'POST' && path === '/' && /(^|&)Action=AssumeRole(&|$)/.test(text)) {
    return accounts.assumeRole(new URLSearchParams(text));
  }
  const identity = /^\/v2\/email\/identities\/([^/]+)$/.exec(path)?.[1];
  if (req.method === 'GET' && identity) return accounts.getIdentity(decodeURIComponent(identity));
  if (req.method === 'POST' && path === '/v2/email/outbound-emails') {
    let request: { FromEmailAddress?: string; FromEmailAddressIdentityArn?: string } = {};
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      return undefined;
    }
    return accounts.refuseSend(
      accounts.callerOf(req),
      request.FromEmailAddress ?? '',
      request.FromEmailAddressIdentityArn,
    );
  }
  return undefined;
}

/** The identity a message went out as: the ARN it named, else its From's domain. */
export function sentAs(request: {
  FromEmailAddress?: string;
  FromEmailAddressIdentityArn?: string;
}) {
  return (
    request.FromEmailAddressIdentityArn ??
    request.FromEmailAddress?.replace(/>\s*$/, '').split('@')[1] ??
    ''
  );
}
