import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../functions/core/model';
import { buildStack, logicalId, policyStatements, statementsOf } from './fixture';

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
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

  it('api: the listed table actions on the table only, SendMessage on both lanes of each channel only', () => {
    const statements = statementsOf(template, 'api');
    expect(statements).toContainEqual(
      expect.objectContaining({
        actions: [
          'dynamodb:PutItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        resources: [getAtt(table)],
      }),
    );
    const sqs = statements.filter((s) => s.actions.some((a) => a.startsWith('sqs:')));
    expect(sqs.flatMap((s) => s.actions).every((a) => a === 'sqs:SendMessage')).toBe(true);
    expect(sqs.flatMap((s) => s.resources)).toEqual(
      CHANNELS.flatMap((c) =>
        ['Queue', 'HighQueue'].map((lane) =>
          getAtt(logicalId(template, 'AWS::SQS::Queue', `${capital(c)}Sender${lane}`)),
        ),
      ),
    );
    const services = new Set(statements.flatMap((s) => s.actions.map((a) => a.split(':')[0])));
    // iam:PassRole and scheduler: see scheduling.test.ts.
    expect([...services].sort()).toEqual(['dynamodb', 'iam', 'logs', 'scheduler', 'sqs']);
  });

  it('table access is limited by partition key: notification items for the delivery path, key items for the authorizer', () => {
    const leadingKeys = (name: string) =>
      statementsOf(template, name)
        .filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')))
        .map((s) => s.condition);
    const notificationsOnly = {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['NOTIF#*'] },
    };
    for (const name of ['api', 'release', ...CHANNELS.map((c) => `send-${c}`)]) {
      expect(leadingKeys(name), name).toEqual([notificationsOnly]);
    }
    expect(leadingKeys('authorizer')).toEqual([
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['APIKEY#*'] } },
    ]);
  });

  it('authorizer: GetItem on the table only', () => {
    const statements = statementsOf(template, 'authorizer').filter(
      (s) => !s.actions.every((a) => a.startsWith('logs:')),
    );
    expect(statements).toEqual([
      expect.objectContaining({ actions: ['dynamodb:GetItem'], resources: [getAtt(table)] }),
    ]);
  });

  for (const channel of CHANNELS) {
    it(`send-${channel}: its own two lanes, table Get/Update, its own provider access only`, () => {
      const statements = statementsOf(template, `send-${channel}`);
      const lanes = ['Queue', 'HighQueue'].map((lane) =>
        getAtt(logicalId(template, 'AWS::SQS::Queue', `${capital(channel)}Sender${lane}`)),
      );
      const sqs = statements.filter((s) => s.actions.some((a) => a.startsWith('sqs:')));
      // Exactly its normal and high queue: no other channel's queue, not its DLQ.
      expect(sqs.flatMap((s) => s.resources)).toEqual(lanes);
      for (const lane of lanes) {
        const actions = sqs
          .filter((s) => JSON.stringify(s.resources) === JSON.stringify([lane]))
          .flatMap((s) => s.actions);
        expect(actions).toEqual(
          expect.arrayContaining([
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:ChangeMessageVisibility',
          ]),
        );
      }
      expect(sqs.flatMap((s) => s.actions)).not.toContain('sqs:SendMessage');

      const dynamo = statements.filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')));
      expect(dynamo).toEqual([
        expect.objectContaining({
          actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          resources: [getAtt(table)],
        }),
      ]);

      const secrets = statements.filter((s) =>
        s.actions.some((a) => a.startsWith('secretsmanager:')),
      );
      const provider = SECRET_OF[channel];
      if (provider) {
        expect(secrets).toEqual([
          expect.objectContaining({
            actions: ['secretsmanager:GetSecretValue'],
            resources: [
              {
                Ref: logicalId(
                  template,
                  'AWS::SecretsManager::Secret',
                  `ProviderSecrets${provider}`,
                ),
              },
            ],
          }),
        ]);
      } else {
        expect(secrets).toEqual([]);
      }

      const ses = statements.filter((s) => s.actions.some((a) => a.startsWith('ses:')));
      const iot = statements.filter((s) => s.actions.some((a) => a.startsWith('iot:')));
      expect(ses.length > 0).toBe(channel === 'email');
      expect(iot.length > 0).toBe(channel === 'mqtt');
    });
  }

  it('send-email: ses:SendEmail on the sender identity and configuration set only', () => {
    const ses = statementsOf(template, 'send-email').filter((s) =>
      s.actions.includes('ses:SendEmail'),
    );
    expect(ses).toHaveLength(1);
    expect(ses[0]?.actions).toEqual(['ses:SendEmail']);
    const arns = JSON.stringify(ses[0]?.resources);
    expect(arns).toContain(':identity/notifications@example.com');
    expect(arns).toContain(':identity/example.com');
    expect(arns).toContain(':configuration-set/herald-events');
    expect(ses[0]?.resources).toHaveLength(3);
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

  it('only the IoT endpoint lookup has a "*" resource', () => {
    const wide = policyStatements(template).filter((s) => s.resources.includes('*'));
    expect(wide.flatMap((s) => s.actions)).toEqual(['iot:DescribeEndpoint']);
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
