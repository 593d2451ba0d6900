import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, grantsOf, methodsByRoute } from './fixture';

// Topics in the template: their routes behind the authorizer, and grants on topic items that
// only the functions using them get.

let template: Template;
beforeAll(() => {
  template = buildStack().template;
});

const onTopicItems = (condition: string | undefined) =>
  /TOPIC#\*|TSUB#\*|RTOP#\*/.test(condition ?? '');

describe('topics', () => {
  it('serves the topic routes through the authorizer', () => {
    const routes = [...methodsByRoute(template)].filter(([route]) => route.includes(' /v1/topics'));
    expect(routes.map(([route]) => route).sort()).toEqual(
      [
        'GET /v1/topics',
        'PUT /v1/topics/{key}',
        'GET /v1/topics/{key}/subscribers',
        'POST /v1/topics/{key}/subscribers',
        'DELETE /v1/topics/{key}/subscribers/{id}',
      ].sort(),
    );
    for (const [, method] of routes) expect(method.AuthorizationType).toBe('CUSTOM');
  });

  it('api: topic items by partition only, no scan, no other table', () => {
    const grants = grantsOf(template, 'api').filter((g) => onTopicItems(g.condition));
    const byKeys = (prefix: string) =>
      grants
        .filter((g) => g.condition?.includes(prefix))
        .map((g) => g.action)
        .sort();
    expect(byKeys('TOPIC#*')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    for (const prefix of ['TSUB#*', 'RTOP#*']) {
      expect(byKeys(prefix), prefix).toEqual([
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
      ]);
    }
    expect(grants.some((g) => g.action === 'dynamodb:Scan')).toBe(false);
  });

  it('gives no sender or the authorizer anything of topics', () => {
    for (const name of ['authorizer', 'send-email', 'send-sms', 'feedback', 'events']) {
      const topical = grantsOf(template, name).filter((g) => onTopicItems(g.condition));
      expect(topical, name).toEqual([]);
    }
  });
});
