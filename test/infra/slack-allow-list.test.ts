import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildStack, FULL_CONFIG, findFunction, methodsByRoute } from './fixture';

const envOf = (template: Template, name: string) =>
  (findFunction(template, name).props.Environment?.Variables ?? {}) as Record<string, unknown>;

describe('the Slack allow-list of the stack’s bot in the template', () => {
  it('serves GET/PUT/DELETE /v1/providers/slack-allow-list on the api, behind the authorizer', () => {
    const { template } = buildStack();
    const routes = methodsByRoute(template);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      expect(routes.get(`${method} /v1/providers/slack-allow-list`)?.AuthorizationType).toBe(
        'CUSTOM',
      );
    }
  });

  it('lets tenants without a list post anywhere unless cdk.json requires lists', () => {
    const open = buildStack().template;
    expect(envOf(open, 'api').SLACK_ALLOW_LIST_REQUIRED).toBeUndefined();
    expect(envOf(open, 'send-slack').SLACK_ALLOW_LIST_REQUIRED).toBeUndefined();
    const closed = buildStack({
      ...FULL_CONFIG,
      tenantProviders: { slackAllowListRequired: true },
    }).template;
    expect(envOf(closed, 'api').SLACK_ALLOW_LIST_REQUIRED).toBe('true');
    expect(envOf(closed, 'send-slack').SLACK_ALLOW_LIST_REQUIRED).toBe('true');
  });
});
