import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATES_SLOW_MS } from '../../lib/constructs/templates';
import { buildStack, findFunction, grantsOf, methodsByRoute } from './fixture';
import { expectFunctionMonitoring } from './function-monitoring';

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
    const { errorRate, dashboard } = expectFunctionMonitoring(
      template,
      'templates',
      TEMPLATES_SLOW_MS,
    );
    // The error rate: errors / invocations of this function, above the configured percentage.
    expect(errorRate).toMatchObject({ Threshold: 5 });
    // The dashboard has a Templates row graphing this function.
    expect(dashboard).toContain('## Templates');
    expect(dashboard).toContain('templates: errors / throttles');
    expect(dashboard).toContain('templates: duration p50 / p99 (ms)');
  });
});
