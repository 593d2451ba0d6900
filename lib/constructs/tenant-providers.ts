import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Channel } from '../../functions/core/notifications/model';
import { TENANT_PROVIDER_CHANNELS } from '../../functions/core/providers/config';
import type { ChannelSender } from './channel-sender';
import { grantItems } from './data-table';
import type { HeraldFunction } from './herald-function';
import { addSlackAllowList } from './slack-allow-list';
import { addTenantEmail } from './tenant-email';

/** Partition keys of the send-rate buckets (functions/adapters/dynamodb/token-bucket-store.ts). */
export const RATE_BUCKET_ITEMS = 'RATE#*';
/** Partition keys of tenants' provider records (functions/adapters/dynamodb/provider-store.ts). */
export const PROVIDER_ITEMS = 'PROVIDERS#*';

/** Channels whose sender function books its provider's send rate (functions/runtime/rate-limits.ts). */
export const RATE_LIMITED_CHANNELS: readonly Channel[] = [
  'sms',
  'whatsapp',
  'slack',
  'push',
  'email',
];

/**
 * What the send-rate gate needs on each rate-limited sender: its buckets (conditional UpdateItem,
 * and GetItem after a refusal without the item) and SendMessage on its own two lanes only, where
 * a delivery over the rate waits as a delayed copy.
 */
export function grantSendRates(
  senders: ReadonlyMap<Channel, ChannelSender>,
  table: dynamodb.ITable,
): void {
  for (const channel of RATE_LIMITED_CHANNELS) {
    const sender = senders.get(channel);
    if (!sender) continue;
    const fn = sender.function.fn;
    grantItems(fn, table, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], RATE_BUCKET_ITEMS);
    for (const queue of sender.queues) queue.grantSendMessages(fn);
  }
}

/** The name prefix of every tenant provider secret of a stage: the grants stop at it. */
export const tenantSecretPrefix = (stage: string) => `herald/${stage}/tenants/`;

/** What tenant providers are wired to. */
export interface TenantProvidersProps {
  readonly stage: string;
  readonly table: dynamodb.ITable;
  /** Validates sends against the tenant's providers (its email identities, Slack allow-list). */
  readonly apiFunction: HeraldFunction;
  /** Serves /v1/providers (lib/constructs/management.ts): records, secrets, verify. */
  readonly manageFunction: HeraldFunction;
  readonly senders: ReadonlyMap<Channel, ChannelSender>;
  /** The REST API's `/v1` resource and the options of a keyed method. */
  readonly v1: apigw.IResource;
  readonly secured: apigw.MethodOptions;
  /** Tenants must bring their own providers (no fallback to the stack's). Default false. */
  readonly required?: boolean;
  /** Tenants on the stack's Slack bot need an allow-list to post (slack-allow-list.ts). */
  readonly slackAllowListRequired?: boolean;
  /** SES identities of the stack's account tenants may claim (lib/constructs/tenant-email.ts). */
  readonly sesIdentities?: readonly string[];
}

/**
 * Providers per tenant (issue 22): `/v1/providers/{channel}/{name}` (+ `/verify`) on the manage
 * function, which writes each tenant's credentials to its own secret
 * `herald/<stage>/tenants/<tenant>/<channel>/<name>` and its record to `PROVIDERS#` items; each
 * channel's sender reads those records and only its own channel's secrets (name prefix
 * `…/tenants/*\/<channel>/*`): no wildcard beyond the stack's own tenant prefix.
 */
export function addTenantProviders(stack: Stack, props: TenantProvidersProps): void {
  const prefix = tenantSecretPrefix(props.stage);
  const secretArn = (pattern: string) =>
    Stack.of(stack).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${prefix}${pattern}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  const api = props.manageFunction.fn;
  api.addEnvironment('TENANT_SECRET_PREFIX', prefix);
  if (props.required) api.addEnvironment('TENANT_PROVIDERS_REQUIRED', 'true');
  // The api function reads a tenant's provider records (its email identities, its Slack
  // allow-list) to validate a send; it writes none and reads no secret.
  props.apiFunction.fn.addEnvironment('TENANT_SECRET_PREFIX', prefix);
  grantItems(
    props.apiFunction.fn,
    props.table,
    ['dynamodb:GetItem', 'dynamodb:Query'],
    PROVIDER_ITEMS,
  );
  grantItems(
    api,
    props.table,
    [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
    ],
    PROVIDER_ITEMS,
  );
  // GET /v1/providers shows each sender's breaker, kept on its rate bucket.
  grantItems(api, props.table, ['dynamodb:BatchGetItem'], RATE_BUCKET_ITEMS);
  api.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [
        'secretsmanager:CreateSecret',
        'secretsmanager:PutSecretValue',
        'secretsmanager:GetSecretValue',
        'secretsmanager:DeleteSecret',
      ],
      resources: [secretArn('*')],
    }),
  );
  for (const channel of TENANT_PROVIDER_CHANNELS) {
    const sender = props.senders.get(channel);
    if (!sender) continue;
    const fn = sender.function.fn;
    fn.addEnvironment('TENANT_SECRET_PREFIX', prefix);
    if (props.required) fn.addEnvironment('TENANT_PROVIDERS_REQUIRED', 'true');
    grantItems(fn, props.table, ['dynamodb:Query'], PROVIDER_ITEMS);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArn(`*/${channel}/*`)],
      }),
    );
  }

  const nagArn = (pattern: string) =>
    `Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${prefix}${pattern}`;
  Validations.of(props.manageFunction).acknowledge({
    id: `AwsSolutions-IAM5[${nagArn('*')}]`,
    reason:
      'Tenants create their own providers at run time (PUT /v1/providers), one secret per tenant and provider: the api may only manage secrets under the stack’s tenant prefix, nothing else in the account.',
  });
  for (const channel of TENANT_PROVIDER_CHANNELS) {
    const sender = props.senders.get(channel);
    if (!sender) continue;
    Validations.of(sender.function).acknowledge({
      id: `AwsSolutions-IAM5[${nagArn(`*/${channel}/*`)}]`,
      reason: `Each tenant's ${channel} credentials are a secret of its own, named after the tenant at run time: the ${channel} sender may only read ${channel} secrets under the stack's tenant prefix.`,
    });
  }

  // Tenants' SES identities: roles in their accounts, identities of this one (tenant-email.ts).
  const email = props.senders.get('email')?.function;
  addTenantEmail(stack, {
    table: props.table,
    apiFunction: props.manageFunction,
    sesIdentities: props.sesIdentities ?? [],
    ...(email && { emailFunction: email }),
  });

  const integration = new apigw.LambdaIntegration(api, { proxy: true, allowTestInvoke: false });
  const providers = props.v1.getResource('providers') ?? props.v1.addResource('providers');
  providers.addMethod('GET', integration, props.secured);
  const provider = providers.addResource('{channel}').addResource('{name}');
  for (const method of ['GET', 'PUT', 'DELETE'])
    provider.addMethod(method, integration, props.secured);
  provider.addResource('verify').addMethod('POST', integration, props.secured);
  const slackSender = props.senders.get('slack');
  addSlackAllowList({
    ...{ apiFunction: props.manageFunction, v1: props.v1, secured: props.secured },
    sendFunction: props.apiFunction,
    ...(slackSender && { slackSender }),
    ...(props.slackAllowListRequired && { required: true }),
  });
}
