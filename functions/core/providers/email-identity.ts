import * as z from 'zod/mini';
import { emailAddress, senderAddress } from '../notifications/requests/fields';
import { isAddressIdentity, withinIdentity } from '../shared/email-identities';
import { InvalidRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import { MAX_RATES, PUBLISHED_RATES, type SenderPool } from './senders';

/**
 * A tenant's role in its own account for an SES identity there must be named with this prefix:
 * the email sender (and the api, for verify) may assume only roles of that name
 * (lib/constructs/tenant-email.ts).
 */
export const TENANT_SES_ROLE_PREFIX = 'herald-ses-';

/** What an SES provider record keeps (never the external id: that is in the tenant's secret). */
export interface SesProviderSettings {
  vendor: 'ses';
  /** A verified domain (its subdomains too) or a verified address. */
  identity: string;
  /** The default From when a request names none (an address identity: itself). */
  from: string;
  /** A role in the tenant's own account the sender assumes (with the stored external id). */
  roleArn?: string;
  /** The identity's region (only with roleArn); default the stack's. */
  region?: string;
  configurationSet?: string;
  /** Messages per second of the tenant's own SES account (only with roleArn). */
  ratePerSecond?: number;
}

const domainIdentity = z
  .string()
  .check(
    z.regex(
      /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/,
      'must be a domain (example.com) or an email address',
    ),
  );

/** The documented PUT /v1/providers/email/{name} body. */
export const sesProviderSchema = z.strictObject({
  identity: z
    .union([emailAddress, domainIdentity], {
      error: 'must be a domain (example.com) or an email address verified in SES',
    })
    .check(z.describe('a verified SES domain (its subdomains too) or address')),
  from: z
    .optional(senderAddress)
    .check(
      z.describe(
        'default From (bare or Name <address>) within the identity; required for a domain identity',
      ),
    ),
  roleArn: z
    .optional(
      z
        .string()
        .check(
          z.regex(
            /^arn:aws[a-z-]*:iam::\d{12}:role\/herald-ses-[\w+=,.@-]{1,50}$/,
            `must be an IAM role ARN (no path) whose name starts with ${TENANT_SES_ROLE_PREFIX}`,
          ),
        ),
    )
    .check(z.describe('a role in the account that holds the identity; the sender assumes it')),
  externalId: z
    .optional(
      z
        .string()
        .check(z.regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2-1224 of letters, digits and +=,.@:/-')),
    )
    .check(z.describe('write-only: the external id the role requires; required with roleArn')),
  region: z.optional(
    z.string().check(z.regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region')),
  ),
  configurationSet: z.optional(
    z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an SES configuration set name')),
  ),
  ratePerSecond: z
    .optional(z.number().check(z.positive('must be above 0')))
    .check(z.describe('the SES account’s send rate (messages/s); only with roleArn; default 14')),
  priority: z.optional(z.int().check(z.minimum(1), z.maximum(100))),
});

/** The PUT body of an SES provider: every bad field a 400 at its path. */
export function parseSesProviderRequest(body: unknown): {
  settings: SesProviderSettings;
  secret: Record<string, string>;
  priority: number;
} {
  const errors: FieldError[] = [];
  const parsed = validateAt(sesProviderSchema, body, [], errors);
  if (!parsed) throw new InvalidRequestError(errors);
  const v = parsed.value;
  const identity = v.identity.toLowerCase();
  if (v.from !== undefined && !withinIdentity(v.from, identity)) {
    errors.push({ path: 'from', message: `must be an address within the identity ${identity}` });
  }
  if (v.from === undefined && !isAddressIdentity(identity)) {
    errors.push({ path: 'from', message: 'is required for a domain identity' });
  }
  if (v.roleArn !== undefined && v.externalId === undefined) {
    errors.push({ path: 'externalId', message: 'is required with roleArn' });
  }
  if (v.roleArn === undefined && v.externalId !== undefined) {
    errors.push({ path: 'externalId', message: 'is only used with roleArn' });
  }
  if (v.region !== undefined && v.roleArn === undefined) {
    errors.push({
      path: 'region',
      message:
        'is only for an identity in your own account (roleArn): the stack’s are in its region',
    });
  }
  if (v.ratePerSecond !== undefined && v.roleArn === undefined) {
    errors.push({
      path: 'ratePerSecond',
      message:
        'is only for an identity in your own account (roleArn): one in the stack’s account shares its SES rate',
    });
  } else if (v.ratePerSecond !== undefined && v.ratePerSecond > MAX_RATES['ses-account']) {
    errors.push({
      path: 'ratePerSecond',
      message: `must be at most ${MAX_RATES['ses-account']} messages/s, the limit of an ses-account (published default ${PUBLISHED_RATES['ses-account']}/s)`,
    });
  }
  if (errors.length > 0) throw new InvalidRequestError(errors);
  return {
    settings: {
      vendor: 'ses',
      identity,
      from: v.from ?? identity,
      ...(v.roleArn !== undefined && { roleArn: v.roleArn }),
      ...(v.region !== undefined && { region: v.region }),
      ...(v.configurationSet !== undefined && { configurationSet: v.configurationSet }),
      ...(v.ratePerSecond !== undefined && { ratePerSecond: v.ratePerSecond }),
    },
    secret: v.externalId === undefined ? {} : { externalId: v.externalId },
    priority: v.priority ?? 1,
  };
}

/** The account of a role ARN (`arn:aws:iam::<account>:role/...`). */
export const accountOfRole = (roleArn: string): string => roleArn.split(':')[4] ?? '';

/**
 * The sender an SES identity counts against: SES limits each account per region. An identity in
 * the stack's own account shares the stack's rate (owner `stack`, so tenants take turns on it);
 * one in the tenant's account (roleArn) has that account's rate.
 */
export function sesPool(
  owner: string,
  settings: Pick<SesProviderSettings, 'roleArn' | 'region' | 'ratePerSecond'>,
  stackRegion: string,
  /** The stack's own account's rate (SES_RATE_PER_SECOND), when not the published one. */
  stackRate?: number,
): SenderPool {
  const region = settings.region ?? stackRegion;
  if (settings.roleArn === undefined) {
    return {
      owner: 'stack',
      kind: 'ses-account',
      ids: [sesAccountId(undefined, region, stackRegion)],
      ...(stackRate !== undefined && { ratePerSecond: stackRate }),
    };
  }
  return {
    owner,
    kind: 'ses-account',
    ids: [sesAccountId(accountOfRole(settings.roleArn), region, stackRegion)],
    ...(settings.ratePerSecond !== undefined && { ratePerSecond: settings.ratePerSecond }),
  };
}

/** `account` for the stack's own account in its region, else `<account|stack>/<region>`. */
export function sesAccountId(account: string | undefined, region: string, stackRegion: string) {
  if (account === undefined && region === stackRegion) return 'account';
  return `${account ?? 'stack'}/${region}`;
}
