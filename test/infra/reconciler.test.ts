import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../functions/core/notifications/model';
import { buildStack, findFunction, logicalId, statementsOf } from './fixture';

let template: Template;
beforeAll(() => {
  template = buildStack().template;
});

describe('Reconciler', () => {
  it('runs the reconcile function every 5 minutes', () => {
    const fn = findFunction(template, 'reconcile');
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules).toContainEqual(
      expect.objectContaining({
        Properties: expect.objectContaining({
          ScheduleExpression: 'rate(5 minutes)',
          State: 'ENABLED',
          Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [fn.id, 'Arn'] } })],
        }),
      }),
    );
  });

  it('alarms to the alarm topic when any run finds a stuck delivery', () => {
    const topic = logicalId(template, 'AWS::SNS::Topic', 'AlarmsTopic');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'StuckDeliveriesFound',
      Namespace: 'Herald',
      Dimensions: [{ Name: 'service', Value: 'herald-test-reconcile' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topic }],
    });
  });

  it('knows every enabled lane, the attempt cap and the reconcile delay', () => {
    const env = findFunction(template, 'reconcile').props.Environment.Variables;
    for (const channel of CHANNELS) {
      expect(env).toHaveProperty(`QUEUE_URL_${channel.toUpperCase()}`);
      expect(env).toHaveProperty(`HIGH_QUEUE_URL_${channel.toUpperCase()}`);
    }
    expect(env).toMatchObject({ MAX_RECEIVE_COUNT: '5', RECONCILE_AFTER_SECONDS: '1800' });
  });

  it('reads the index only by its own partitions and touches only notification and its own items', () => {
    const statements = statementsOf(template, 'reconcile');
    const dynamo = statements.filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')));
    const leadingKeys = dynamo.map(
      (s) =>
        (s.condition as Record<string, Record<string, string[]>>)?.['ForAllValues:StringLike']?.[
          'dynamodb:LeadingKeys'
        ],
    );
    // FANOUT#OPEN: topic sends whose fan-out stalled (issue 21), on the same index; WFTRIG#OPEN
    // and WFTRIG#*: workflow triggers to a topic whose checkpoint stalled (issue 20).
    expect(leadingKeys.sort()).toEqual([
      ['FANOUT#OPEN'],
      ['NOTIF#*'],
      ['RECONCILE#*'],
      ['RECONCILER'],
      ['WFTRIG#*'],
      ['WFTRIG#OPEN'],
    ]);
    const indexQuery = dynamo.find((s) => JSON.stringify(s.resources).includes('/index/'));
    expect(indexQuery?.actions).toEqual(['dynamodb:Query']);
    expect(JSON.stringify(indexQuery?.resources)).toContain('/index/reconcile');
  });
});
