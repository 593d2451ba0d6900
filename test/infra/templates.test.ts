import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATES_SLOW_MS } from '../../lib/constructs/templates';
import { buildStack, findFunction, grantsOf, logicalId, methodsByRoute } from './fixture';

// Templates in the synthesized stack: their own function behind every /v1/templates route (it
// alone carries MJML), write grants on template items for it only, read-only for the api.

describe('templates', () => {
  let template: Template;
  beforeAll(() => {
    template = buildStack().template;
  });

  it('routes every /v1/templates method to the templates function, behind the authorizer', () => {
    const templatesFn = findFunction(template, 'templates').id;
    const routes = [...methodsByRoute(template)].filter(([route]) =>
      route.includes('/v1/templates'),
    );
    expect(routes.map(([route]) => route).sort()).toEqual([
      'DELETE /v1/templates/{key}',
      'GET /v1/templates',
      'GET /v1/templates/{key}',
      'GET /v1/templates/{key}/versions',
      'GET /v1/templates/{key}/versions/{n}',
      'POST /v1/templates/{key}/publish',
      'POST /v1/templates/{key}/render',
      'PUT /v1/templates/{key}',
    ]);
    for (const [route, method] of routes) {
      expect(method.AuthorizationType, route).toBe('CUSTOM');
      expect(JSON.stringify(method.Integration), route).toContain(templatesFn);
    }
  });

  it('lets the templates function write template items only, and the api only read them', () => {
    const onTemplates = (grants: ReturnType<typeof grantsOf>) =>
      grants
        .filter((g) => g.condition?.includes('TEMPLATE#*'))
        .map((g) => g.action)
        .sort();
    expect(onTemplates(grantsOf(template, 'templates'))).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(
      grantsOf(template, 'templates')
        .filter((g) => !g.condition?.includes('TEMPLATE#*'))
        .map((g) => g.action),
    ).not.toContain('sqs:SendMessage');
    expect(onTemplates(grantsOf(template, 'api'))).toEqual(['dynamodb:GetItem']);
  });

  it('alarms on the templates function’s error rate, throttles and slow p99 duration, and shows it on the dashboard', () => {
    const fn = findFunction(template, 'templates').id;
    const topic = logicalId(template, 'AWS::SNS::Topic', 'AlarmsTopic');
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a.Properties).includes(fn),
    );
    const byMetric = (name: string) =>
      alarms.filter((a) => JSON.stringify(a.Properties).includes(`"MetricName":"${name}"`));
    // The error rate: errors / invocations of this function, above the configured percentage.
    const errorRate = byMetric('Errors');
    expect(errorRate).toHaveLength(1);
    expect(JSON.stringify(errorRate[0]?.Properties)).toContain('"MetricName":"Invocations"');
    expect(errorRate[0]?.Properties).toMatchObject({ Threshold: 5 });
    expect(byMetric('Throttles')).toHaveLength(1);
    const slow = byMetric('Duration');
    expect(slow).toHaveLength(1);
    expect(slow[0]?.Properties).toMatchObject({
      ExtendedStatistic: 'p99',
      Threshold: TEMPLATES_SLOW_MS,
      EvaluationPeriods: 3,
    });
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms)
      expect(alarm.Properties).toMatchObject({
        AlarmActions: [{ Ref: topic }],
        OKActions: [{ Ref: topic }],
        TreatMissingData: 'notBreaching',
      });
    // The dashboard has a Templates row graphing this function.
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    expect(body).toContain('## Templates');
    expect(body).toContain('templates: errors / throttles');
    expect(body).toContain('templates: duration p50 / p99 (ms)');
    expect(body).toContain(fn);
  });
});
