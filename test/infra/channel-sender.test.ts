import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../functions/core/notifications/model';
import { CHANNEL_TUNING_DEFAULTS } from '../../lib/config';
import { buildStack, FULL_CONFIG, findFunction, logicalId } from './fixture';

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

describe('ChannelSender', () => {
  let template: Template;
  beforeAll(() => {
    template = buildStack().template;
  });

  it('gives each channel two lanes sharing one 14-day DLQ after 5 receives, 4-day retention, SSE and 6x visibility', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    for (const channel of CHANNELS) {
      const dlq = logicalId(
        template,
        'AWS::SQS::Queue',
        `${capital(channel)}SenderDeadLetterQueue`,
      );
      const fn = findFunction(template, `send-${channel}`);
      for (const lane of ['Queue', 'HighQueue']) {
        const queue = logicalId(template, 'AWS::SQS::Queue', `${capital(channel)}Sender${lane}`);
        expect(queues[queue]?.Properties, `${channel} ${lane}`).toMatchObject({
          MessageRetentionPeriod: 4 * 24 * 3600,
          VisibilityTimeout: 180,
          SqsManagedSseEnabled: true,
          RedrivePolicy: {
            deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
            maxReceiveCount: 5,
          },
        });
        expect(fn.props.Timeout * 6).toBeLessThanOrEqual(
          queues[queue]?.Properties.VisibilityTimeout,
        );
      }
      expect(queues[dlq]?.Properties).toMatchObject({
        MessageRetentionPeriod: 14 * 24 * 3600,
        SqsManagedSseEnabled: true,
      });
    }
  });

  it('denies non-TLS access on every queue', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    // per channel: two lanes and the DLQ; plus the schedule DLQ; plus the webhook queue, its DLQ
    // and the stream failure queue; plus the SES feedback queue and its DLQ; plus the topics
    // fan-out queue and its DLQ; plus the workflow trigger queue and its DLQ.
    expect(policies).toHaveLength(CHANNELS.length * 3 + 1 + 3 + 2 + 2 + 2);
    expect(policies).toHaveLength(Object.keys(template.findResources('AWS::SQS::Queue')).length);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('consumes each lane with its own event source: partial batch responses, batch size, concurrency cap', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    // Plus the events function's stream and the webhook sender's queue (delivery-events.test.ts),
    // the SES feedback queue (ses-feedback.test.ts), the topics fan-out queue (topics.test.ts)
    // and the workflow trigger queue (workflows.test.ts).
    expect(mappings).toHaveLength(CHANNELS.length * 2 + 2 + 1 + 1 + 1);
    for (const channel of CHANNELS) {
      const tuning = {
        ...CHANNEL_TUNING_DEFAULTS[channel],
        ...FULL_CONFIG.channels[channel as 'push'],
      };
      const fn = findFunction(template, `send-${channel}`);
      const queue = logicalId(template, 'AWS::SQS::Queue', `${capital(channel)}SenderQueue`);
      const high = logicalId(template, 'AWS::SQS::Queue', `${capital(channel)}SenderHighQueue`);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fn.id },
        EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
        BatchSize: tuning.batchSize,
        ScalingConfig: { MaximumConcurrency: tuning.maxConcurrency },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fn.id },
        EventSourceArn: { 'Fn::GetAtt': [high, 'Arn'] },
        BatchSize: tuning.batchSize,
        ScalingConfig: { MaximumConcurrency: tuning.highMaxConcurrency },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
  });

  it('keeps slow providers (SES sandbox, Twilio long code, Slack) at the minimum concurrency by default', () => {
    for (const channel of ['email', 'sms', 'slack'] as const) {
      expect(CHANNEL_TUNING_DEFAULTS[channel].maxConcurrency).toBe(2);
    }
    expect(CHANNEL_TUNING_DEFAULTS.sms.sendConcurrency).toBe(1);
    expect(CHANNEL_TUNING_DEFAULTS.slack.sendConcurrency).toBe(1);
    // The override in FULL_CONFIG wins over the default.
    const push = findFunction(template, 'send-push');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: push.id },
      ScalingConfig: { MaximumConcurrency: 100 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: push.id },
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    // Without an override the high lane runs at the Lambda minimum, 2.
    for (const channel of CHANNELS) {
      expect(CHANNEL_TUNING_DEFAULTS[channel].highMaxConcurrency).toBe(2);
    }
  });

  it('runs Node 24 on arm64 with its own log group and the contract environment', () => {
    for (const channel of CHANNELS) {
      const fn = findFunction(template, `send-${channel}`);
      const queue = logicalId(template, 'AWS::SQS::Queue', `${capital(channel)}SenderQueue`);
      const high = logicalId(template, 'AWS::SQS::Queue', `${capital(channel)}SenderHighQueue`);
      expect(fn.props).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        LoggingConfig: {
          LogGroup: { Ref: expect.stringMatching(`^${capital(channel)}SenderLogs`) },
        },
      });
      expect(fn.props.Environment.Variables).toMatchObject({
        TABLE_NAME: { Ref: expect.stringMatching(/^DataTable/) },
        [`QUEUE_URL_${channel.toUpperCase()}`]: { Ref: queue },
        [`HIGH_QUEUE_URL_${channel.toUpperCase()}`]: { Ref: high },
        MAX_RECEIVE_COUNT: '5',
        RETRY_BASE_SECONDS: '30',
        RETRY_MAX_SECONDS: '900',
        SEND_CONCURRENCY: expect.stringMatching(/^\d+$/),
        POWERTOOLS_SERVICE_NAME: `herald-test-send-${channel}`,
        POWERTOOLS_METRICS_NAMESPACE: 'Herald',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      // Its own two lanes only: no other channel's URL.
      const urls = Object.keys(fn.props.Environment.Variables).filter((k) =>
        k.includes('QUEUE_URL'),
      );
      expect(urls.sort()).toEqual([
        `HIGH_QUEUE_URL_${channel.toUpperCase()}`,
        `QUEUE_URL_${channel.toUpperCase()}`,
      ]);
    }
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('passes each channel its provider settings by name or ARN, never a secret value', () => {
    const env = (name: string) => findFunction(template, name).props.Environment.Variables;
    expect(env('send-email')).toMatchObject({
      EMAIL_FROM: 'notifications@example.com',
      SES_CONFIGURATION_SET: 'herald-events',
    });
    expect(env('send-sms').TWILIO_SECRET_ID).toEqual({
      Ref: expect.stringMatching(/^ProviderSecretsTwilio/),
    });
    expect(env('send-whatsapp').TWILIO_SECRET_ID).toEqual(env('send-sms').TWILIO_SECRET_ID);
    expect(env('send-slack').SLACK_SECRET_ID).toEqual({
      Ref: expect.stringMatching(/^ProviderSecretsSlack/),
    });
    expect(env('send-push').FCM_SECRET_ID).toEqual({
      Ref: expect.stringMatching(/^ProviderSecretsFcm/),
    });
    expect(env('send-mqtt').IOT_DATA_ENDPOINT).toEqual({
      'Fn::Join': [
        '',
        ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^IotEndpoint/), 'endpointAddress'] }],
      ],
    });
    const serialized = JSON.stringify(template.toJSON());
    expect(serialized).not.toMatch(/authToken"\s*:\s*"(?!REPLACE_ME)/);
  });

  it('discovers the IoT data endpoint (ATS) at deploy time', () => {
    template.hasResourceProperties('Custom::AWS', {
      Create: Match.stringLikeRegexp('"action":"describeEndpoint".*"endpointType":"iot:Data-ATS"'),
    });
  });
});
