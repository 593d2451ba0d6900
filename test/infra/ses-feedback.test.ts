import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, FULL_CONFIG, findFunction, logicalId, statementsOf } from './fixture';

const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

describe('SesFeedback', () => {
  let template: Template;
  beforeAll(() => {
    template = buildStack().template;
  });

  it('creates the configuration set every email is sent with, named from the config', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'herald-events' });
    expect(findFunction(template, 'send-email').props.Environment.Variables).toMatchObject({
      SES_CONFIGURATION_SET: 'herald-events',
    });
    // The email function is created after the configuration set it names.
    const email = findFunction(template, 'send-email').id;
    const set = logicalId(template, 'AWS::SES::ConfigurationSet', 'SesFeedback');
    expect(template.findResources('AWS::Lambda::Function')[email]?.DependsOn).toContain(set);
  });

  it('publishes exactly the six feedback event types to its own topic', () => {
    const topic = logicalId(template, 'AWS::SNS::Topic', 'SesFeedbackEvents');
    const set = logicalId(template, 'AWS::SES::ConfigurationSet', 'SesFeedback');
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: set },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: [
          'delivery',
          'bounce',
          'complaint',
          'reject',
          'renderingFailure',
          'deliveryDelay',
        ],
        SnsDestination: { TopicARN: { Ref: topic } },
      },
    });
  });

  it('lets only SES publish, for this account and configuration set only', () => {
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')).filter((p) =>
      JSON.stringify(p.Properties.Topics).includes('SesFeedbackEvents'),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.Properties.PolicyDocument.Statement as Record<
      string,
      unknown
    >[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: {
          StringEquals: { 'AWS:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'AWS:SourceArn': expect.anything() },
        },
      }),
    );
    expect(JSON.stringify(statements)).toContain('configuration-set/herald-events');
  });

  it('feeds the feedback function through an encrypted queue with raw delivery, partial batches and a DLQ', () => {
    const queue = logicalId(template, 'AWS::SQS::Queue', 'SesFeedbackQueue');
    const dlq = logicalId(template, 'AWS::SQS::Queue', 'SesFeedbackDeadLetterQueue');
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      Endpoint: getAtt(queue),
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: getAtt(dlq), maxReceiveCount: 5 },
    });
    const fn = findFunction(template, 'feedback');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fn.id },
      EventSourceArn: getAtt(queue),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('feedback function: delivery Get/Update and suppression Put on the table, nothing else', () => {
    const table = logicalId(template, 'AWS::DynamoDB::Table', 'DataTable');
    const statements = statementsOf(template, 'feedback').filter(
      (s) =>
        !s.actions.every(
          (a) => a.startsWith('logs:') || a.startsWith('sqs:') || a.startsWith('xray:'),
        ) &&
        // Marking the address on recipient profiles (issue 18): test/infra/iam.test.ts.
        !/RCP#\*|RADDR#\*/.test(JSON.stringify(s.condition ?? '')),
    );
    expect(statements).toEqual([
      expect.objectContaining({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [getAtt(table)],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['NOTIF#*'] } },
      }),
      expect.objectContaining({
        actions: ['dynamodb:PutItem'],
        resources: [getAtt(table)],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SUPP#*'] } },
      }),
    ]);
    const sqs = statementsOf(template, 'feedback').filter((s) =>
      s.actions.some((a) => a.startsWith('sqs:')),
    );
    expect(sqs.flatMap((s) => s.resources)).toEqual([
      getAtt(logicalId(template, 'AWS::SQS::Queue', 'SesFeedbackQueue')),
    ]);
  });

  it('gives the Twilio senders and the manage function (it serves the callback) the public status callback URL', () => {
    const api = logicalId(template, 'AWS::ApiGateway::RestApi', 'ApiRestApi');
    for (const name of ['manage', 'send-sms', 'send-whatsapp']) {
      const url = JSON.stringify(
        findFunction(template, name).props.Environment.Variables.TWILIO_STATUS_CALLBACK_URL,
      );
      expect(url, name).toContain(api);
      expect(url, name).toContain('/test/v1/providers/twilio/status');
    }
  });

  it('creates nothing for SES when email is not enabled', () => {
    const { template: noEmail } = buildStack({
      ...FULL_CONFIG,
      enabledChannels: ['slack'],
      channels: {},
    });
    noEmail.resourceCountIs('AWS::SES::ConfigurationSet', 0);
    expect(() => findFunction(noEmail, 'feedback')).toThrow();
  });
});
