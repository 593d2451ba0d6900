import type { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { findFunction, logicalId } from './fixture';

/**
 * Checks the monitoring lib/constructs/function-monitoring.ts gives a function beside the api:
 * exactly three alarms on the alarm topic (error rate = errors / invocations, throttles, p99
 * duration above `slowMs` for 3 periods; missing data not breaching), and a dashboard row
 * graphing it. Returns the error-rate alarm's properties and the dashboard body for checks of
 * the caller's own.
 */
export function expectFunctionMonitoring(
  template: Template,
  handler: string,
  slowMs: number,
): { errorRate: Record<string, unknown>; dashboard: string } {
  const fn = findFunction(template, handler).id;
  const topic = logicalId(template, 'AWS::SNS::Topic', 'AlarmsTopic');
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
    JSON.stringify(a.Properties).includes(fn),
  );
  const byMetric = (name: string) =>
    alarms.filter((a) => JSON.stringify(a.Properties).includes(`"MetricName":"${name}"`));
  const errorRate = byMetric('Errors');
  expect(errorRate).toHaveLength(1);
  expect(JSON.stringify(errorRate[0]?.Properties)).toContain('"MetricName":"Invocations"');
  expect(byMetric('Throttles')).toHaveLength(1);
  const slow = byMetric('Duration');
  expect(slow).toHaveLength(1);
  expect(slow[0]?.Properties).toMatchObject({
    ExtendedStatistic: 'p99',
    Threshold: slowMs,
    EvaluationPeriods: 3,
  });
  expect(alarms).toHaveLength(3);
  for (const alarm of alarms)
    expect(alarm.Properties).toMatchObject({
      AlarmActions: [{ Ref: topic }],
      OKActions: [{ Ref: topic }],
      TreatMissingData: 'notBreaching',
    });
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body = JSON.stringify(dashboard?.Properties.DashboardBody);
  expect(body).toContain(fn);
  return { errorRate: errorRate[0]?.Properties ?? {}, dashboard: body };
}
