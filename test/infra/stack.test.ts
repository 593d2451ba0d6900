import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, FULL_CONFIG, logicalId } from './fixture';

let template: Template;
beforeAll(() => {
  template = buildStack().template;
});

describe('DataTable', () => {
  it('is on-demand, PITR, AWS-managed encryption, TTL on expiresAt, pk/sk + gsi1 + byTenant + reconcile', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
        },
        {
          IndexName: 'byTenant',
          KeySchema: [
            { AttributeName: 'tenantPk', KeyType: 'HASH' },
            { AttributeName: 'tenantSk', KeyType: 'RANGE' },
          ],
          // The list's index never copies notification content: one small write per notification.
          // (arrayWith checks presence; the absence of `content` is checked below.)
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: Match.arrayWith(['id', 'createdAt', 'metadata', 'channels']),
          },
        },
        {
          // The reconciler's sparse open-work index: keys, sendAt and priority only.
          IndexName: 'reconcile',
          KeySchema: [
            { AttributeName: 'rpk', KeyType: 'HASH' },
            { AttributeName: 'rsk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['sendAt', 'priority'] },
        },
        // Recipient listing and search (test/infra/recipients.test.ts).
        Match.objectLike({ IndexName: 'recipients' }),
      ],
    });
  });

  it('the tenant index projects no notification content', () => {
    const table = Object.values(template.findResources('AWS::DynamoDB::Table'))[0];
    const indexes = (table?.Properties.GlobalSecondaryIndexes ?? []) as {
      IndexName: string;
      Projection: unknown;
    }[];
    const index = indexes.find((i) => i.IndexName === 'byTenant');
    expect(JSON.stringify(index?.Projection)).not.toContain('content');
    expect(index?.Projection).toMatchObject({ ProjectionType: 'INCLUDE' });
  });

  it('is retained when the stack is deleted, and deletion-protected', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { DeletionProtectionEnabled: true },
    });
  });

  it('drops deletion protection only with tableRemovalPolicy destroy, so cdk destroy can delete it', () => {
    const destroyable = buildStack({ ...FULL_CONFIG, tableRemovalPolicy: 'destroy' }).template;
    destroyable.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    const table = Object.values(destroyable.findResources('AWS::DynamoDB::Table'))[0];
    expect(table?.Properties.DeletionProtectionEnabled ?? false).toBe(false);
  });
});

describe('ProviderSecrets', () => {
  it('creates one secret per provider with placeholder JSON the operator replaces', () => {
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    const byProvider = (name: string) =>
      JSON.parse(
        secrets[logicalId(template, 'AWS::SecretsManager::Secret', `ProviderSecrets${name}`)]
          ?.Properties.SecretString,
      );
    // Besides the unsubscribe link key (test/infra/recipients.test.ts).
    expect(Object.keys(secrets).filter((id) => id.startsWith('ProviderSecrets'))).toHaveLength(3);
    expect(Object.keys(byProvider('Twilio')).sort()).toEqual([
      'accountSid',
      'authToken',
      'smsFrom',
      'whatsappFrom',
    ]);
    expect(byProvider('Slack')).toEqual({ botToken: 'REPLACE_ME' });
    expect(byProvider('Fcm')).toMatchObject({ type: 'service_account' });
    for (const secret of Object.values(secrets)) expect(secret.Properties.Name).toBeUndefined();
  });
});

describe('HeraldStack', () => {
  it('outputs the API URL, dashboard URL, table name, secret names and scheduling names', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'DashboardUrl',
        'TableName',
        'TwilioSecretName',
        'SlackSecretName',
        'FcmSecretName',
        'AlarmTopicArn',
        'RestApiId',
        'ScheduleGroupName',
        'ScheduleDeadLetterQueueUrl',
        'ReleaseFunctionName',
      ]),
    );
  });

  it('is environment-agnostic and sets no physical names', () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/\b\d{12}\b/); // no account id
    expect(text).not.toMatch(
      /\b(us|eu|ap|sa|ca|me|af)-(east|west|north|south|central|northeast|southeast)-\d\b/,
    );
    const named: Record<string, string> = {
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::IAM::Role': 'RoleName',
      'AWS::SNS::Topic': 'TopicName',
      'AWS::CloudWatch::Dashboard': 'DashboardName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::ApiGateway::RestApi': 'Name',
      'AWS::Scheduler::ScheduleGroup': 'Name',
    };
    for (const [type, property] of Object.entries(named)) {
      for (const resource of Object.values(template.findResources(type))) {
        // The API is named herald-<stage> on purpose (metric dimension); API names need not be unique.
        if (type === 'AWS::ApiGateway::RestApi') continue;
        // The events topic is herald-<stage>-events on purpose: operators subscribe to it by name.
        if (type === 'AWS::SNS::Topic' && resource.Properties?.TopicName === 'herald-test-events') {
          continue;
        }
        expect(resource.Properties?.[property], type).toBeUndefined();
      }
    }
  });
});
