import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../functions/core/notifications/model';
import { buildStack, grantsOf, logicalId, statementsOf } from './fixture';

const json = (value: unknown) => JSON.stringify(value);

describe('tenants’ own FCM projects: what the push sender may read in the template', () => {
  let template: Template;
  beforeAll(() => {
    template = buildStack().template;
  });

  const tenantSecretGrants = (name: string) =>
    grantsOf(template, name).filter(
      (g) => g.action.startsWith('secretsmanager:') && g.resource.includes('/tenants/'),
    );

  it('lets the push sender read only push tenant secrets, by name prefix', () => {
    const grants = tenantSecretGrants('send-push');
    expect(grants.map((g) => g.action)).toEqual(['secretsmanager:GetSecretValue']);
    expect(grants[0]?.resource).toContain(':secret:herald/test/tenants/*/push/*');
    // No other channel's sender reads a push secret.
    for (const channel of CHANNELS.filter((c) => c !== 'push')) {
      for (const grant of tenantSecretGrants(`send-${channel}`))
        expect(grant.resource, channel).not.toContain('/push/');
    }
  });

  it('lets the push sender Query provider records and book its FCM project’s rate bucket, nothing more', () => {
    const on = (pattern: string) =>
      statementsOf(template, 'send-push')
        .filter((s) => (json(s.condition) ?? '').includes(pattern))
        .flatMap((s) => s.actions)
        .sort();
    expect(on('PROVIDERS#*')).toEqual(['dynamodb:Query']);
    expect(on('RATE#*')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  });

  it('tells the push sender where tenant secrets are', () => {
    const fns = template.findResources('AWS::Lambda::Function');
    const id = logicalId(template, 'AWS::Lambda::Function', 'PushSender');
    expect(fns[id]?.Properties.Environment?.Variables?.TENANT_SECRET_PREFIX).toBe(
      'herald/test/tenants/',
    );
  });

  it('tells each sender its most instances at once (both lanes) and batch size: a share is rate / that', () => {
    const fns = template.findResources('AWS::Lambda::Function');
    const variables = (name: string) =>
      fns[logicalId(template, 'AWS::Lambda::Function', name)]?.Properties.Environment?.Variables;
    // The fixture's push: maxConcurrency 100 + high lane 5, batches of 10: the sum of its two
    // event sources' caps (a share any smaller would let the instances exceed the rate).
    expect(variables('PushSender')).toMatchObject({
      SENDER_MAX_CONCURRENCY: '105',
      SENDER_BATCH_SIZE: '10',
    });
    const caps = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))
      .filter((m) => JSON.stringify(m.Properties.FunctionName).includes('PushSender'))
      .map((m) => m.Properties.ScalingConfig?.MaximumConcurrency as number);
    expect(caps.reduce((a, b) => a + b, 0)).toBe(105);
  });
});
