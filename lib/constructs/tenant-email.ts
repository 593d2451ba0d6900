import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EMAIL_IDENTITY_CLAIM_ITEMS } from '../../functions/adapters/dynamodb/email-identity-claims';
import { TENANT_SES_ROLE_PREFIX } from '../../functions/core/providers/email-identity';
import { grantItems } from './data-table';
import type { HeraldFunction } from './herald-function';

/** What tenants' own SES identities are wired to. */
export interface TenantEmailProps {
  readonly table: dynamodb.ITable;
  readonly apiFunction: HeraldFunction;
  /** Identities of the stack's own account tenants may claim (cdk.json tenantProviders.sesIdentities). */
  readonly sesIdentities: readonly string[];
  /** The email channel's sender; absent when the stack has no email channel. */
  readonly emailFunction?: HeraldFunction;
}

/**
 * Tenants' SES identities (issue 22). An identity in the tenant's own account is reached through a
 * role there: the email sender (and the api, for verify) may assume only roles named
 * `herald-ses-*`, in any account (tenants' accounts are not known at deploy time; the role's trust
 * policy and external id are the tenant's consent, and the name prefix keeps every other role of
 * every account out of reach). An identity of the stack's own account must be one the operator
 * listed (`sesIdentities`), and is claimed by one tenant only (`SESIDENTITY#` items, written by the
 * api): the sender may send as those identities (in its region), nothing else of the account; the api
 * may read any identity of the account (GetEmailIdentity, for verify).
 */
export function addTenantEmail(stack: Stack, props: TenantEmailProps): void {
  const roles = Stack.of(stack).formatArn({
    service: 'iam',
    region: '',
    account: '*',
    resource: 'role',
    resourceName: `${TENANT_SES_ROLE_PREFIX}*`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  const identity = (name: string) =>
    Stack.of(stack).formatArn({
      service: 'ses',
      resource: 'identity',
      resourceName: name,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  const listed = props.sesIdentities.map((id) => id.toLowerCase());
  const assume = new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [roles] });
  const api = props.apiFunction.fn;
  api.addToRolePolicy(assume);
  api.addEnvironment('TENANT_SES_IDENTITIES', listed.join(','));
  api.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['ses:GetEmailIdentity'], resources: [identity('*')] }),
  );
  grantItems(
    api,
    props.table,
    ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
    EMAIL_IDENTITY_CLAIM_ITEMS,
  );
  const nag = (resource: string) => `AwsSolutions-IAM5[Resource::${resource}]`;
  const roleNag = nag(`arn:<AWS::Partition>:iam::*:role/${TENANT_SES_ROLE_PREFIX}*`);
  const identityNag = nag('arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*');
  const roleReason =
    'Tenants name roles in their own accounts at run time (PUT /v1/providers/email): only roles named herald-ses-*, whose trust policy (with the tenant’s external id) the tenant writes.';
  const identityReason =
    'verify: tenants name SES identities at run time; GetEmailIdentity reads only their state, in this account.';
  Validations.of(props.apiFunction).acknowledge({ id: roleNag, reason: roleReason });
  Validations.of(props.apiFunction).acknowledge({ id: identityNag, reason: identityReason });
  const email = props.emailFunction;
  if (!email) return;
  email.fn.addToRolePolicy(assume);
  Validations.of(email).acknowledge({ id: roleNag, reason: roleReason });
  if (listed.length === 0) return;
  email.fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['ses:SendEmail'], resources: listed.map(identity) }),
  );
}
