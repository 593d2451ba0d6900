import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../functions/core/notifications/model';
import {
  buildStack,
  FULL_CONFIG,
  findFunction,
  grantsOf,
  logicalId,
  statementsOf,
} from './fixture';

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** Every statement (with Condition) of the policies attached to role `roleId`. */
function rawStatements(template: Template, roleId: string): Record<string, unknown>[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
}

/** `arn:<partition>:scheduler:<region>:<account>:schedule/<group>/*` as synthesized. */
const schedulesArn = (group: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':scheduler:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':schedule/',
      { Ref: group },
      '/*',
    ],
  ],
});

describe('Scheduling', () => {
  let template: Template;
  let variant: Template;
  let group: string;
  let dlq: string;
  let role: string;
  let release: string;
  beforeAll(() => {
    template = buildStack().template;
    variant = buildStack({
      ...FULL_CONFIG,
      enabledChannels: ['email', 'slack'],
      channels: {},
      dataRetentionDays: 30,
      scheduling: { maxDays: 30 },
    }).template;
    group = logicalId(template, 'AWS::Scheduler::ScheduleGroup', 'SchedulingGroup');
    dlq = logicalId(template, 'AWS::SQS::Queue', 'SchedulingDeadLetterQueue');
    role = logicalId(template, 'AWS::IAM::Role', 'SchedulingSchedulerRole');
    release = findFunction(template, 'release').id;
  });

  it('creates one schedule group and lets CloudFormation name it', () => {
    const groups = Object.values(template.findResources('AWS::Scheduler::ScheduleGroup'));
    expect(groups).toHaveLength(1);
    expect(groups[0]?.Properties?.Name).toBeUndefined();
  });

  it('keeps failed releases 14 days in an SSE, SSL-only schedule DLQ', () => {
    const queue = template.findResources('AWS::SQS::Queue')[dlq];
    expect(queue?.Properties).toMatchObject({
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    expect(queue?.Properties.RedrivePolicy).toBeUndefined();
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlq }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
    });
  });

  it('scheduler role: assumable by scheduler.amazonaws.com from this account and this group only', () => {
    const trust =
      template.findResources('AWS::IAM::Role')[role]?.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': [{ 'Fn::GetAtt': [group, 'Arn'] }, schedulesArn(group)],
          },
        },
      },
    ]);
    expect(template.findResources('AWS::IAM::Role')[role]?.Properties.ManagedPolicyArns).toBe(
      undefined,
    );
  });

  it('scheduler role: only lambda:InvokeFunction on the release function and SendMessage to the DLQ', () => {
    expect(rawStatements(template, role)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [getAtt(release), { 'Fn::Join': ['', [getAtt(release), ':*']] }],
      },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: getAtt(dlq) },
    ]);
    // Invocation goes through the role: no resource policy opens the function to anyone.
    for (const permission of Object.values(template.findResources('AWS::Lambda::Permission'))) {
      expect(JSON.stringify(permission.Properties.FunctionName)).not.toContain(release);
    }
  });

  it('api: Create/DeleteSchedule in the group only, PassRole on the scheduler role to Scheduler only', () => {
    const apiRole = findFunction(template, 'api').props.Role['Fn::GetAtt'][0] as string;
    const statements = rawStatements(template, apiRole);
    const scheduler = statements.filter((s) => JSON.stringify(s.Action).includes('scheduler:'));
    expect(scheduler).toEqual([
      {
        Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        Effect: 'Allow',
        Resource: schedulesArn(group),
      },
    ]);
    const iam = statements.filter((s) => JSON.stringify(s.Action).includes('iam:'));
    expect(iam).toEqual([
      {
        Action: 'iam:PassRole',
        Effect: 'Allow',
        Resource: getAtt(role),
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ]);
    // Cancel reads the deliveries (Query) and marks them (UpdateItem).
    const dynamo = statementsOf(template, 'api').flatMap((s) =>
      s.actions.filter((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:UpdateItem']));
  });

  it('api: knows the group, role, target, DLQ and the scheduling horizon', () => {
    expect(findFunction(template, 'api').props.Environment.Variables).toMatchObject({
      SCHEDULER_GROUP_NAME: { Ref: group },
      SCHEDULER_ROLE_ARN: getAtt(role),
      RELEASE_TARGET_ARN: getAtt(release),
      SCHEDULER_DLQ_ARN: getAtt(dlq),
      SCHEDULE_MAX_DAYS: '365',
    });
    expect(findFunction(variant, 'api').props.Environment.Variables.SCHEDULE_MAX_DAYS).toBe('30');
  });

  it('release function: the api config it loads, both lanes of the enabled channels, a DLQ', () => {
    const fn = findFunction(template, 'release').props;
    const queues = (channel: string) => ({
      [`QUEUE_URL_${channel.toUpperCase()}`]: {
        Ref: logicalId(template, 'AWS::SQS::Queue', `${capital(channel)}SenderQueue`),
      },
      [`HIGH_QUEUE_URL_${channel.toUpperCase()}`]: {
        Ref: logicalId(template, 'AWS::SQS::Queue', `${capital(channel)}SenderHighQueue`),
      },
    });
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      DeadLetterConfig: { TargetArn: getAtt(dlq) },
      Environment: {
        Variables: {
          TABLE_NAME: { Ref: expect.stringMatching(/^DataTable/) },
          DATA_RETENTION_DAYS: '90',
          POWERTOOLS_SERVICE_NAME: 'herald-test-release',
          POWERTOOLS_METRICS_NAMESPACE: 'Herald',
          ...Object.assign({}, ...CHANNELS.map(queues)),
        },
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: release },
      MaximumRetryAttempts: 2,
    });
    const partial = findFunction(variant, 'release').props.Environment.Variables;
    expect(
      Object.keys(partial)
        .filter((k) => k.includes('QUEUE_URL_'))
        .sort(),
    ).toEqual([
      'HIGH_QUEUE_URL_EMAIL',
      'HIGH_QUEUE_URL_SLACK',
      'QUEUE_URL_EMAIL',
      'QUEUE_URL_SLACK',
    ]);
    expect(partial.DATA_RETENTION_DAYS).toBe('30');
  });

  it('release function: Query/UpdateItem on the table, SendMessage to every lane and its DLQ only', () => {
    const table = logicalId(template, 'AWS::DynamoDB::Table', 'DataTable');
    const grants = grantsOf(template, 'release')
      .filter((g) => !g.action.startsWith('logs:') && !g.action.startsWith('xray:'))
      .map(({ action, resource }) => `${action} ${resource}`)
      .sort();
    const lanes = CHANNELS.flatMap((c) =>
      ['Queue', 'HighQueue'].map((lane) =>
        getAtt(logicalId(template, 'AWS::SQS::Queue', `${capital(c)}Sender${lane}`)),
      ),
    );
    expect(grants).toEqual(
      [
        `dynamodb:Query ${JSON.stringify(getAtt(table))}`,
        `dynamodb:UpdateItem ${JSON.stringify(getAtt(table))}`,
        ...[...lanes, getAtt(dlq)].map((q) => `sqs:SendMessage ${JSON.stringify(q)}`),
      ].sort(),
    );
  });
});
