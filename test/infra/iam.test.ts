import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../functions/core/notifications/model';
import { TENANT_PROVIDER_CHANNELS } from '../../functions/core/providers/config';
import { ADDRESS_FEEDBACK_CHANNELS } from '../../lib/constructs/recipients';
import { RATE_LIMITED_CHANNELS } from '../../lib/constructs/tenant-providers';
import { API_TABLE_ACTIONS } from '../../lib/herald-stack';
import {
  buildStack,
  FULL_CONFIG,
  grantsOf,
  logicalId,
  policyStatements,
  statementsOf,
} from './fixture';

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const json = (value: unknown) => JSON.stringify(value);
const SECRET_OF: Record<string, string | undefined> = {
  sms: 'Twilio',
  whatsapp: 'Twilio',
  slack: 'Slack',
  push: 'Fcm',
};

describe('function permissions', () => {
  let template: Template;
  let table: string;
  beforeAll(() => {
    template = buildStack().template;
    table = logicalId(template, 'AWS::DynamoDB::Table', 'DataTable');
  });

  it('grants no wildcard action anywhere', () => {
    const actions = policyStatements(template).flatMap((s) => s.actions);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('api: the listed table actions on the table only, SendMessage on both lanes of each channel only, no DLQ, no secret', () => {
    const grants = grantsOf(template, 'api');
    const onIndex = (g: { resource: string }) => g.resource.includes('/index/byTenant');
    const onSuppressions = (g: { condition?: string }) => g.condition?.includes('SUPP#*') ?? false;
    // Idempotency-Key answers: item actions on their own table, nothing on any other.
    const idempotencyTable = json(
      getAtt(logicalId(template, 'AWS::DynamoDB::Table', 'IdempotencyTable')),
    );
    const onIdempotency = (g: { resource: string }) => g.resource === idempotencyTable;
    expect(
      grants
        .filter(onIdempotency)
        .map((g) => g.action)
        .sort(),
    ).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    // Templates: the api reads published versions to render at send (test/infra/templates.test.ts).
    const onTemplates = (g: { condition?: string }) => g.condition?.includes('TEMPLATE#*') ?? false;
    // Recipients and categories: test/infra/recipients.test.ts.
    const onRecipients = (g: { condition?: string }) =>
      /RCP#\*|RADDR#\*|RIDX#\*|CAT#\*/.test(g.condition ?? '');
    // Providers per tenant: test/infra/tenant-providers.test.ts.
    const onProviders = (g: { condition?: string }) =>
      /PROVIDERS#\*|RATE#\*|SESIDENTITY#\*/.test(g.condition ?? '');
    // Topics (issue 21): test/infra/topics.test.ts.
    const onTopics = (g: { condition?: string }) =>
      /TOPIC#\*|TSUB#\*|RTOP#\*/.test(g.condition ?? '');
    // Workflows (issue 20): definitions, runs, their indexes (seen since the fixture reads
    // overflow policies too).
    const onWorkflows = (g: { condition?: string }) => /"WF[A-Z]*#\*"/.test(g.condition ?? '');
    const dynamo = grants.filter(
      (g) =>
        g.action.startsWith('dynamodb:') &&
        !onTopics(g) &&
        !onWorkflows(g) &&
        !onIndex(g) &&
        !onSuppressions(g) &&
        !onIdempotency(g) &&
        !onTemplates(g) &&
        !onRecipients(g) &&
        !onProviders(g),
    );
    // The webhook routes (and every other management route) are the manage function's
    // (test/infra/management.test.ts).
    expect(dynamo.map((g) => g.action).sort()).toEqual([...API_TABLE_ACTIONS].sort());
    expect(new Set(dynamo.map((g) => g.resource))).toEqual(new Set([json(getAtt(table))]));
    // GET /v1/notifications: Query on the tenant index, nothing else on any index.
    expect(grants.filter(onIndex).map((g) => g.action)).toEqual(['dynamodb:Query']);
    const sqsAll = grants.filter((g) => g.action.startsWith('sqs:'));
    const sqs = sqsAll.filter((g) => g.action === 'sqs:SendMessage');
    // The dead-letter routes are the manage function's: the api receives from no queue.
    expect(sqsAll.filter((g) => g.action !== 'sqs:SendMessage')).toEqual([]);
    expect(sqs.map((g) => g.resource).sort()).toEqual(
      CHANNELS.flatMap((c) =>
        ['Queue', 'HighQueue'].map((lane) =>
          json(getAtt(logicalId(template, 'AWS::SQS::Queue', `${capital(c)}Sender${lane}`))),
        ),
      )
        // A topic send's first page goes on the fan-out queue (issue 21).
        .concat(json(getAtt(logicalId(template, 'AWS::SQS::Queue', 'TopicsFanoutQueue'))))
        .sort(),
    );
    // The tenant's suppression list: read only (inline profiles of a send are marked), SUPP#...
    // items only; the suppression routes are the manage function's.
    const suppressionGrants = grants
      .filter((g) => g.condition?.includes('SUPP#*'))
      .map(({ action, resource }) => ({ action, resource }));
    expect(suppressionGrants).toEqual([
      { action: 'dynamodb:BatchGetItem', resource: json(getAtt(table)) },
    ]);
    // No secret at all: Twilio's callbacks, tenants' provider secrets and the unsubscribe key
    // are the manage function's (test/infra/management.test.ts).
    expect(grants.filter((g) => g.action.startsWith('secretsmanager:'))).toEqual([]);
    const services = new Set(grants.map((g) => g.action.split(':')[0]));
    // iam:PassRole and scheduler: see scheduling.test.ts; xray: tracing (on by default);
    // lambda: starting workflow runs (the routing shorthand, workflows.test.ts).
    expect([...services].sort()).toEqual([
      'dynamodb',
      'iam',
      'lambda',
      'logs',
      'scheduler',
      'sqs',
      'xray',
    ]);
  });

  it('table access is limited by partition key: notification items for the delivery path, key items for the authorizer', () => {
    // The idempotency table is the api's alone and holds nothing else: no partition condition.
    const idempotencyTable = logicalId(template, 'AWS::DynamoDB::Table', 'IdempotencyTable');
    const leadingKeys = (name: string) =>
      statementsOf(template, name)
        .filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')))
        .filter((s) => !JSON.stringify(s.resources).includes(idempotencyTable))
        .map((s) => s.condition);
    const notificationsOnly = {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['NOTIF#*'] },
    };
    const suppressionsOnly = {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SUPP#*'] },
    };
    expect(leadingKeys('release')).toEqual([notificationsOnly]);
    // The suppression list: senders check it and add to it, feedback adds to it.
    // Send rates (issue 22): the rate-limited senders also book their buckets, RATE#... only.
    const ratesOnly = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RATE#*'] } };
    const providersOnly = {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PROVIDERS#*'] },
    };
    for (const name of ['feedback', ...CHANNELS.map((c) => `send-${c}`)]) {
      const rated = RATE_LIMITED_CHANNELS.some((c) => name === `send-${c}`);
      // Address health (issue 18): feedback that suppresses an address marks it on the profiles.
      const marks =
        name === 'feedback' || ADDRESS_FEEDBACK_CHANNELS.some((c) => name === `send-${c}`);
      expect(leadingKeys(name), name).toEqual([
        notificationsOnly,
        suppressionsOnly,
        ...(rated ? [ratesOnly] : []),
        ...(marks
          ? [
              { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RCP#*'] } },
              { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RADDR#*'] } },
            ]
          : []),
        // Providers per tenant (issue 22): the tenant's own provider records.
        ...(TENANT_PROVIDER_CHANNELS.some((c) => name === `send-${c}`) ? [providersOnly] : []),
      ]);
    }
    // The api also lists: Query on the tenant index, only in TENANT#... partitions.
    // The send and read path only; the manage function's grants: test/infra/management.test.ts.
    const only = (keys: string) => ({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys] },
    });
    expect(leadingKeys('api')).toEqual([
      notificationsOnly,
      only('TENANT#*'),
      // Inline profiles of a send: marked against the suppression list, upserted.
      suppressionsOnly,
      // Recipients (issue 18): profiles, address entries, categories (no index, no listing).
      only('RCP#*'),
      only('RADDR#*'),
      only('CAT#*'),
      // Templates: published versions, read at send.
      only('TEMPLATE#*'),
      // Providers per tenant (issue 22): the tenant's provider records, read to validate a send.
      only('PROVIDERS#*'),
      // Topics (issue 21): the topic a send names.
      only('TOPIC#*'),
      // Workflows (issue 20): the routing shorthand's runs, run lists and cancellation keys.
      only('WFRUN#*'),
      only('WFRUNS#*'),
      only('WFCANCEL#*'),
    ]);
    const indexQuery = statementsOf(template, 'api').find((s) =>
      JSON.stringify(s.resources).includes('/index/byTenant'),
    );
    expect(indexQuery?.actions).toEqual(['dynamodb:Query']);
    expect(leadingKeys('authorizer')).toEqual([
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['APIKEY#*'] } },
    ]);
  });

  it('authorizer: GetItem on the table only', () => {
    const grants = grantsOf(template, 'authorizer').filter(
      (g) => !g.action.startsWith('logs:') && !g.action.startsWith('xray:'),
    );
    expect(grants.map(({ action, resource }) => ({ action, resource }))).toEqual([
      { action: 'dynamodb:GetItem', resource: json(getAtt(table)) },
    ]);
  });

  for (const channel of CHANNELS) {
    it(`send-${channel}: its own two lanes, table Get/Update, its own provider access only`, () => {
      const grants = grantsOf(template, `send-${channel}`);
      const lanes = ['Queue', 'HighQueue'].map((lane) =>
        json(getAtt(logicalId(template, 'AWS::SQS::Queue', `${capital(channel)}Sender${lane}`))),
      );
      const sqs = grants.filter((g) => g.action.startsWith('sqs:'));
      // Exactly its normal and high queue: no other channel's queue, not its DLQ.
      expect([...new Set(sqs.map((g) => g.resource))].sort()).toEqual([...lanes].sort());
      for (const lane of lanes) {
        expect(sqs.filter((g) => g.resource === lane).map((g) => g.action)).toEqual(
          expect.arrayContaining([
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:ChangeMessageVisibility',
          ]),
        );
      }
      // A delivery over its sender's rate waits as a delayed copy on its own lane (issue 22).
      const rated = RATE_LIMITED_CHANNELS.includes(channel);
      if (!rated) expect(sqs.map((g) => g.action)).not.toContain('sqs:SendMessage');
      else
        for (const lane of lanes)
          expect(sqs).toContainEqual({ action: 'sqs:SendMessage', resource: lane });

      // Address health on profiles (RCP#, RADDR#): the leading-keys test above.
      const dynamo = grants.filter(
        (g) => g.action.startsWith('dynamodb:') && !/RCP#\*|RADDR#\*/.test(g.condition ?? ''),
      );
      expect(dynamo.map(({ action, resource }) => ({ action, resource }))).toEqual([
        { action: 'dynamodb:GetItem', resource: json(getAtt(table)) },
        { action: 'dynamodb:UpdateItem', resource: json(getAtt(table)) },
        // The batch suppression check, and suppressing a recipient the provider says is gone.
        { action: 'dynamodb:BatchGetItem', resource: json(getAtt(table)) },
        { action: 'dynamodb:PutItem', resource: json(getAtt(table)) },
        // The send-rate buckets (RATE#... items, see the leading-keys test).
        ...(rated
          ? [
              { action: 'dynamodb:GetItem', resource: json(getAtt(table)) },
              { action: 'dynamodb:UpdateItem', resource: json(getAtt(table)) },
            ]
          : []),
        // The tenant's own providers (PROVIDERS#... items).
        ...((TENANT_PROVIDER_CHANNELS as readonly string[]).includes(channel)
          ? [{ action: 'dynamodb:Query', resource: json(getAtt(table)) }]
          : []),
      ]);

      // (Tenants' own provider secrets: test/infra/tenant-providers.test.ts.)
      const secrets = grants.filter(
        (g) =>
          g.action.startsWith('secretsmanager:') &&
          !g.resource.includes('/tenants/') &&
          // The unsubscribe link key (send-email): test/infra/recipients.test.ts.
          !g.resource.includes('UnsubscribeLinks'),
      );
      const provider = SECRET_OF[channel];
      expect(secrets.map(({ action, resource }) => ({ action, resource }))).toEqual(
        provider
          ? [
              {
                action: 'secretsmanager:GetSecretValue',
                resource: json({
                  Ref: logicalId(
                    template,
                    'AWS::SecretsManager::Secret',
                    `ProviderSecrets${provider}`,
                  ),
                }),
              },
            ]
          : [],
      );

      expect(grants.some((g) => g.action.startsWith('ses:'))).toBe(channel === 'email');
      expect(grants.some((g) => g.action.startsWith('iot:'))).toBe(channel === 'mqtt');
    });
  }

  it('send-email: ses:SendEmail on the sender identity and configuration set only', () => {
    const ses = grantsOf(template, 'send-email').filter((g) => g.action.startsWith('ses:'));
    expect(new Set(ses.map((g) => g.action))).toEqual(new Set(['ses:SendEmail']));
    const arns = ses.map((g) => g.resource);
    expect(arns).toHaveLength(3);
    expect(arns.join()).toContain(':identity/notifications@example.com');
    expect(arns.join()).toContain(':identity/example.com');
    expect(arns.join()).toContain(':configuration-set/herald-events');
  });

  it('send-email with sesSandbox: every identity, but only with a From address at the sender domain', () => {
    const sandbox = buildStack({ ...FULL_CONFIG, sesSandbox: true }).template;
    const ses = grantsOf(sandbox, 'send-email').filter((g) => g.action.startsWith('ses:'));
    expect(new Set(ses.map((g) => g.action))).toEqual(new Set(['ses:SendEmail']));
    // identity/* in this account and region (recipients are identities too in the sandbox),
    // never another account's or region's, and still only the configured configuration set.
    const resources = ses.map((g) => JSON.parse(g.resource));
    expect(resources).toHaveLength(2);
    expect(resources).toContainEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ses:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':identity/*',
        ],
      ],
    });
    expect(JSON.stringify(resources)).toContain(':configuration-set/herald-events');
    // identity/* alone would let the function send as any verified identity of the account:
    // every sandbox grant is bound to the sender's domain (bare or `Name <address>`).
    expect(ses.map((g) => (g.condition ? JSON.parse(g.condition) : undefined))).toEqual(
      ses.map(() => ({
        StringLike: { 'ses:FromAddress': ['*@example.com', '*@example.com>'] },
      })),
    );
    // Off (the default): no wildcard identity.
    expect(
      grantsOf(template, 'send-email').filter((g) => g.resource.includes(':identity/*')),
    ).toEqual([]);
  });

  it('send-mqtt: iot:Publish on topics under the configured prefix only', () => {
    const iot = statementsOf(template, 'send-mqtt').filter((s) =>
      s.actions.includes('iot:Publish'),
    );
    expect(iot).toEqual([
      {
        roles: expect.any(Array),
        actions: ['iot:Publish'],
        resources: [
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':iot:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':topic/herald/*',
              ],
            ],
          },
        ],
      },
    ]);
  });

  it('IoT endpoint lookup: only iot:DescribeEndpoint', () => {
    const lookups = policyStatements(template).filter((s) =>
      s.actions.includes('iot:DescribeEndpoint'),
    );
    expect(lookups).toEqual([
      { roles: expect.any(Array), actions: ['iot:DescribeEndpoint'], resources: ['*'] },
    ]);
  });

  it('grants "*" resources only for the IoT endpoint lookup, X-Ray and ListStreams (none has resource ARNs)', () => {
    const wide = policyStatements(template).filter((s) => s.resources.includes('*'));
    expect(new Set(wide.flatMap((s) => s.actions))).toEqual(
      new Set([
        'iot:DescribeEndpoint',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        // The events function's stream event source (DeliveryEvents).
        'dynamodb:ListStreams',
      ]),
    );
  });

  it('attaches no AWS managed policy to Herald functions', () => {
    for (const name of ['api', 'authorizer', 'release', ...CHANNELS.map((c) => `send-${c}`)]) {
      const role = statementsOf(template, name)[0]?.roles[0] as string;
      expect(
        template.findResources('AWS::IAM::Role')[role]?.Properties.ManagedPolicyArns,
      ).toBeUndefined();
    }
  });
});
