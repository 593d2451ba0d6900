import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../functions/core/model';
import {
  DELIVERY_METRICS,
  LANES,
  METRICS_NAMESPACE,
  RELEASE_METRICS,
} from '../../lib/constructs/dashboard';
import { buildStack, findFunction, logicalId } from './fixture';

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

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
beforeAll(() => {
  template = buildStack().template;
});

describe('HeraldAlarms', () => {
  let topic: string;
  beforeAll(() => {
    topic = logicalId(template, 'AWS::SNS::Topic', 'AlarmsTopic');
  });

  it('sends every alarm and its recovery to the alarm topic, treating missing data as not breaching', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    // per channel: DLQ, oldest message per lane, error rate; plus api + authorizer error rate,
    // schedule DLQ, release errors and API 5xx.
    expect(alarms).toHaveLength(CHANNELS.length * 4 + 5);
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
    const rates = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a.Properties.Metrics ?? []).includes('100 * errors / invocations'),
    );
    expect(rates).toHaveLength(CHANNELS.length + 2);
    for (const rate of rates) expect(rate.Properties.Threshold).toBe(5);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Threshold: 5,
    });
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

  it('shows API 4xx/5xx and p99 latency', () => {
    const { widgets } = dashboardBody(template);
    const errors = widgets.find((w) => w.properties.title === 'API 4xx / 5xx');
    const text = JSON.stringify(errors?.properties.metrics);
    expect(text).toContain('"4XXError"');
    expect(text).toContain('"5XXError"');
    const latency = widgets.find((w) => w.properties.title === 'API latency p99 (ms)');
    expect(JSON.stringify(latency?.properties.metrics)).toMatch(/"Latency".*"stat":"p99"/);
  });
});
