import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, findFunction, grantsOf, methodsByRoute } from './fixture';

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
});
