import { readFileSync } from 'node:fs';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../functions/core/notifications/model';
import { MIN_FAILED_FOR_RATE } from '../../lib/constructs/alarms';
import {
  DELIVERY_METRIC_DIMENSIONS,
  DELIVERY_METRICS,
  LANES,
  METRICS_NAMESPACE,
  RELEASE_METRICS,
} from '../../lib/constructs/dashboard';
import { UNROUTED_ALARMS_WARNING } from '../../lib/herald-stack';
import { type BuiltStack, buildStack, FULL_CONFIG, findFunction, logicalId } from './fixture';

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The dashboard body with CloudFormation tokens flattened into `{Ref}` / `{GetAtt}` markers. */
function dashboardBody(template: Template): {
  widgets: { type: string; properties: { title?: string; metrics?: unknown[][] } }[];
} {
  const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0];
  const parts = dashboard?.Properties.DashboardBody['Fn::Join'][1] as unknown[];
  const text = parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const token = p as { Ref?: string; 'Fn::GetAtt'?: string[] };
      return token.Ref ? `{Ref:${token.Ref}}` : `{GetAtt:${token['Fn::GetAtt']?.join('.')}}`;
    })
    .join('');
  return JSON.parse(text);
}

/** A dashboard metric row `[namespace, name, dim1, value1, ..., {options}?]` as an object. */
function metricOf(row: unknown[]): { namespace: unknown; name: unknown; dimensions: object } {
  const pairs = row.slice(2).filter((part) => typeof part === 'string');
  const dimensions: Record<string, unknown> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1];
  return { namespace: row[0], name: row[1], dimensions };
}

let template: Template;
let builtStack: BuiltStack;
let variant: Template;
let existingTopic: BuiltStack;
beforeAll(() => {
  builtStack = buildStack();
  template = builtStack.template;
  variant = buildStack({ ...FULL_CONFIG, alarms: { apiP99LatencyMs: 1500 } }).template;
  const { alarmEmail: _, ...withoutEmail } = FULL_CONFIG;
  existingTopic = buildStack({
    ...withoutEmail,
    alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops-pager',
  });
});

describe('HeraldAlarms', () => {
  let topic: string;
  beforeAll(() => {
    topic = logicalId(template, 'AWS::SNS::Topic', 'AlarmsTopic');
  });

  it('sends every alarm and its recovery to the alarm topic, treating missing data as not breaching', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    // per channel: DLQ, oldest message per lane, error rate, throttles, failure rate; plus api +
    // authorizer error rate, schedule DLQ, Scheduler target errors, dropped and lost
    // invocations, release errors, API 5xx and p99 latency; the reconciler's "stuck deliveries found";
    // webhook DLQ and stream failures (DeliveryEvents); the error rates of the events, webhook
    // sender, feedback and console functions and the SES feedback DLQ; failed workflow runs and
    // workflow function errors (lib/constructs/workflows.ts); the templates function's error
    // rate, throttles and slow duration (lib/constructs/templates.ts), and the manage function's
    // (lib/constructs/management.ts); the topic fan-out and the workflow-trigger functions' error
    // rates and their DLQs.
    expect(alarms).toHaveLength(CHANNELS.length * 6 + 10 + 2 + 5 + 2 + 3 + 3 + 4);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({
        AlarmActions: [{ Ref: topic }],
        OKActions: [{ Ref: topic }],
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('alarms on any message in each DLQ and on old messages in each lane (high lane sooner)', () => {
    for (const channel of CHANNELS) {
      const dlq = logicalId(
        template,
        'AWS::SQS::Queue',
        `${capital(channel)}SenderDeadLetterQueue`,
      );
      const queue = logicalId(template, 'AWS::SQS::Queue', `${capital(channel)}SenderQueue`);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
        Threshold: 1800,
      });
      const high = logicalId(template, 'AWS::SQS::Queue', `${capital(channel)}SenderHighQueue`);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [high, 'QueueName'] } }],
        Threshold: 300,
        AlarmActions: [{ Ref: topic }],
      });
    }
  });

  it('alarms on any message in the SES feedback DLQ (bounces and complaints not applied)', () => {
    const dlq = logicalId(template, 'AWS::SQS::Queue', 'SesFeedbackDeadLetterQueue');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmDescription: Match.stringLikeRegexp('feedback function gave up'),
      AlarmActions: [{ Ref: topic }],
      OKActions: [{ Ref: topic }],
    });
  });

  it('alarms on a page in the topic fan-out or workflow-trigger DLQ and on those functions failing', () => {
    for (const [queueId, fnId, says] of [
      ['TopicsFanoutDeadLetterQueue', 'TopicsFanoutFunction', 'fan-out page failed 5 times'],
      ['WorkflowsTriggersDeadLetterQueue', 'WorkflowsTriggersFunction', "trigger's page"],
    ] as const) {
      const dlq = logicalId(template, 'AWS::SQS::Queue', queueId);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
        Threshold: 1,
        AlarmDescription: Match.stringLikeRegexp(says),
        AlarmActions: [{ Ref: topic }],
      });
      const fn = logicalId(template, 'AWS::Lambda::Function', fnId);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: Match.arrayWith([
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({
                MetricName: 'Errors',
                Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
              }),
            }),
          }),
        ]),
      });
    }
  });

  it('alarms on any message in the schedule DLQ and on release function errors', () => {
    const dlq = logicalId(template, 'AWS::SQS::Queue', 'SchedulingDeadLetterQueue');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topic }],
      OKActions: [{ Ref: topic }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: findFunction(template, 'release').id } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topic }],
    });
  });

  it('alarms on function error rate and API 5xx', () => {
    const stageId = logicalId(template, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage');
    const rates = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a.Properties.Metrics ?? []).includes('100 * errors / invocations'),
    );
    // Every function of the stack but the CDK-managed ones (the IoT endpoint lookup, log retention).
    const functions = [
      ...CHANNELS.map((c) => `send-${c}`),
      'api',
      'authorizer',
      'release',
      'events',
      'webhook-sender',
      'feedback',
      'console',
      'templates',
      'manage',
      'fan-out',
      'workflow-trigger',
    ];
    const rated = functions.filter((name) => {
      const ref = JSON.stringify({ Ref: findFunction(template, name).id });
      return rates.some((rate) => JSON.stringify(rate.Properties.Metrics).includes(ref));
    });
    // release alarms on any error at all (above), the others on their error rate.
    expect(rated).toEqual(functions.filter((name) => name !== 'release'));
    expect(rates).toHaveLength(functions.length - 1);
    for (const rate of rates) expect(rate.Properties.Threshold).toBe(5);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Dimensions: [
        { Name: 'ApiName', Value: 'herald-test' },
        { Name: 'Stage', Value: { Ref: stageId } },
      ],
      Threshold: 5,
    });
  });

  it('alarms on API p99 latency above the threshold for 15 minutes, on the herald-<stage> API', () => {
    const stageId = logicalId(template, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Dimensions: [
        { Name: 'ApiName', Value: 'herald-test' },
        { Name: 'Stage', Value: { Ref: stageId } },
      ],
      Threshold: 3000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      AlarmActions: [{ Ref: topic }],
    });
    variant.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Latency',
      Threshold: 1500,
    });
  });

  it('alarms when a channel function is throttled two periods running', () => {
    for (const channel of CHANNELS) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: [
          { Name: 'FunctionName', Value: { Ref: findFunction(template, `send-${channel}`).id } },
        ],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        AlarmActions: [{ Ref: topic }],
      });
    }
  });

  it("alarms on each channel's permanent-failure rate from the DeliveryFailed metric the function emits", () => {
    const rates = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a.Properties.Metrics ?? []).includes('DeliveryFailed'),
    );
    expect(rates).toHaveLength(CHANNELS.length);
    for (const channel of CHANNELS) {
      const alarm = rates.find((a) =>
        JSON.stringify(a.Properties.Metrics).includes(`"herald-test-send-${channel}"`),
      );
      expect(alarm?.Properties).toMatchObject({
        Threshold: 10,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: topic }],
      });
      const metrics = alarm?.Properties.Metrics as {
        Id: string;
        Expression?: string;
        MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] } };
      }[];
      const expression = metrics.find((m) => m.Expression)?.Expression;
      expect(expression).toContain(`>= ${MIN_FAILED_FOR_RATE}`);
      // failed / (failed + delivered), both lanes, with exactly the dimensions the function emits.
      const stats = Object.fromEntries(
        metrics.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat?.Metric]),
      );
      for (const [id, outcome, lane] of [
        ['failedNormal', 'DeliveryFailed', 'normal'],
        ['failedHigh', 'DeliveryFailed', 'high'],
        ['deliveredNormal', 'DeliveryDelivered', 'normal'],
        ['deliveredHigh', 'DeliveryDelivered', 'high'],
      ] as const) {
        expect(stats[id]).toEqual({
          Namespace: METRICS_NAMESPACE,
          MetricName: outcome,
          Dimensions: expect.arrayContaining([
            { Name: 'service', Value: `herald-test-send-${channel}` },
            { Name: 'channel', Value: channel },
            { Name: 'lane', Value: lane },
          ]),
        });
        expect(stats[id]?.Dimensions).toHaveLength(DELIVERY_METRIC_DIMENSIONS.length);
        expect(expression).toContain(id);
      }
    }
  });

  it("alarms on EventBridge Scheduler's own target errors, dropped and lost invocations for Herald's group", () => {
    const group = logicalId(template, 'AWS::Scheduler::ScheduleGroup', 'SchedulingGroup');
    for (const metric of [
      'TargetErrorCount',
      'InvocationDroppedCount',
      'InvocationsFailedToBeSentToDeadLetterCount',
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Scheduler',
        MetricName: metric,
        Dimensions: [{ Name: 'ScheduleGroup', Value: { Ref: group } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: topic }],
      });
    }
  });

  it('publishes to an existing topic instead of creating one when alarmTopicArn is set', () => {
    const arn = 'arn:aws:sns:us-east-1:123456789012:ops-pager';
    const alarms = Object.values(existingTopic.template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({ AlarmActions: [arn], OKActions: [arn] });
    }
    // No alarm topic of its own: the topics are the events topic (DeliveryEvents) and the SES
    // event topic (SesFeedback), and no subscription is made.
    const topics = Object.keys(existingTopic.template.findResources('AWS::SNS::Topic'));
    expect(topics.filter((id) => id.startsWith('Alarms'))).toEqual([]);
    expect(topics).toHaveLength(2);
    existingTopic.template.resourceCountIs('AWS::SNS::Subscription', 1);
    existingTopic.template.hasOutput('AlarmTopicArn', { Value: arn });
  });

  it('warns at synth when alarms reach nobody, and only then', () => {
    const { alarmEmail: _, ...unrouted } = FULL_CONFIG;
    const { stack } = buildStack(unrouted);
    // aws-cdk-lib appends the acknowledgement id to the message.
    const warning = Match.stringLikeRegexp(`^${escapeRegExp(UNROUTED_ALARMS_WARNING)}`);
    Annotations.fromStack(stack).hasWarning('/HeraldTest', warning);
    for (const routed of [builtStack, existingTopic]) {
      Annotations.fromStack(routed.stack).hasNoWarning('*', warning);
    }
  });

  it('keeps the topic SSL-only and subscribes the configured email', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: topic },
    });
  });
});

describe('HeraldDashboard', () => {
  it('shows per channel delivered/failed/retried, DLQ depth, oldest age, errors, throttles, p99', () => {
    const { widgets } = dashboardBody(template);
    const titles = widgets.map((w) => w.properties.title);
    for (const channel of CHANNELS) {
      for (const suffix of [
        'deliveries',
        'DLQ depth',
        'oldest message age (s)',
        'function errors / throttles',
        'duration p99 (ms)',
      ]) {
        expect(titles).toContain(`${channel}: ${suffix}`);
      }
      const deliveries = widgets.find((w) => w.properties.title === `${channel}: deliveries`);
      // Exactly the dimension set the function emits (service, channel, lane): one line per
      // outcome and lane, nothing else.
      const expected = Object.values(DELIVERY_METRICS).flatMap((name) =>
        LANES.map((lane) => ({
          namespace: METRICS_NAMESPACE,
          name,
          dimensions: { service: `herald-test-send-${channel}`, channel, lane },
        })),
      );
      expect(deliveries?.properties.metrics?.map(metricOf)).toEqual(expected);
      const age = widgets.find((w) => w.properties.title === `${channel}: oldest message age (s)`);
      const ageText = JSON.stringify(age?.properties.metrics);
      for (const lane of ['Queue', 'HighQueue']) {
        expect(ageText).toContain(
          `{GetAtt:${logicalId(template, 'AWS::SQS::Queue', `${capital(channel)}Sender${lane}`)}.QueueName}`,
        );
      }
      const dlq = widgets.find((w) => w.properties.title === `${channel}: DLQ depth`);
      expect(JSON.stringify(dlq?.properties.metrics)).toContain(
        `{GetAtt:${logicalId(template, 'AWS::SQS::Queue', `${capital(channel)}SenderDeadLetterQueue`)}.QueueName}`,
      );
      const duration = widgets.find((w) => w.properties.title === `${channel}: duration p99 (ms)`);
      expect(JSON.stringify(duration?.properties.metrics)).toContain('"stat":"p99"');
    }
  });

  it('shows scheduled releases, release function errors and the schedule DLQ depth', () => {
    const { widgets } = dashboardBody(template);
    const byTitle = (title: string) => widgets.find((w) => w.properties.title === title);
    const releases = byTitle('scheduling: releases');
    // `service` is the only dimension of the release metrics.
    expect(releases?.properties.metrics?.map(metricOf)).toEqual(
      Object.values(RELEASE_METRICS).map((name) => ({
        namespace: METRICS_NAMESPACE,
        name,
        dimensions: { service: 'herald-test-release' },
      })),
    );
    const errors = JSON.stringify(
      byTitle('scheduling: release function errors / throttles')?.properties.metrics,
    );
    expect(errors).toContain(
      `"Errors","FunctionName","{Ref:${findFunction(template, 'release').id}}"`,
    );
    const dlq = JSON.stringify(byTitle('scheduling: schedule DLQ depth')?.properties.metrics);
    expect(dlq).toContain(
      `"ApproximateNumberOfMessagesVisible","QueueName","{GetAtt:${logicalId(template, 'AWS::SQS::Queue', 'SchedulingDeadLetterQueue')}.QueueName}"`,
    );
  });

  it('shows the SES feedback the function applied, its errors and the feedback DLQ depth', () => {
    const { widgets } = dashboardBody(template);
    const byTitle = (title: string) => widgets.find((w) => w.properties.title === title);
    const names = ['FeedbackApplied', 'FeedbackStale', 'FeedbackIgnored', 'RecipientsSuppressed'];
    expect(
      byTitle(
        'SES events: applied / stale / ignored, recipients suppressed',
      )?.properties.metrics?.map(metricOf),
    ).toEqual(
      names.map((name) => ({
        namespace: METRICS_NAMESPACE,
        name,
        dimensions: { service: 'herald-test-feedback' },
      })),
    );
    // The names the feedback function emits.
    const handler = readFileSync('functions/handlers/feedback.ts', 'utf8');
    for (const name of names) expect(handler).toContain(`'${name}'`);
    const health = JSON.stringify(
      byTitle('feedback function errors / feedback DLQ depth')?.properties.metrics,
    );
    expect(health).toContain(
      `"Errors","FunctionName","{Ref:${findFunction(template, 'feedback').id}}"`,
    );
    expect(health).toContain(
      `"ApproximateNumberOfMessagesVisible","QueueName","{GetAtt:${logicalId(template, 'AWS::SQS::Queue', 'SesFeedbackDeadLetterQueue')}.QueueName}"`,
    );
  });

  it("shows EventBridge Scheduler's target errors, dropped and lost invocations of Herald's group", () => {
    const { widgets } = dashboardBody(template);
    const widget = widgets.find(
      (w) => w.properties.title === 'scheduling: Scheduler target errors / dropped',
    );
    const group = logicalId(template, 'AWS::Scheduler::ScheduleGroup', 'SchedulingGroup');
    expect(widget?.properties.metrics?.map(metricOf)).toEqual(
      [
        'TargetErrorCount',
        'InvocationDroppedCount',
        'InvocationsFailedToBeSentToDeadLetterCount',
      ].map((name) => ({
        namespace: 'AWS/Scheduler',
        name,
        dimensions: { ScheduleGroup: `{Ref:${group}}` },
      })),
    );
  });

  it('shows API 4xx/5xx and p99 latency of the herald-<stage> API', () => {
    const { widgets } = dashboardBody(template);
    const errors = widgets.find((w) => w.properties.title === 'API 4xx / 5xx');
    const text = JSON.stringify(errors?.properties.metrics);
    expect(text).toContain('"4XXError"');
    expect(text).toContain('"5XXError"');
    expect(text).toContain('"ApiName","herald-test"');
    const latency = widgets.find((w) => w.properties.title === 'API latency p99 (ms)');
    expect(JSON.stringify(latency?.properties.metrics)).toMatch(/"Latency".*"stat":"p99"/);
  });
});
