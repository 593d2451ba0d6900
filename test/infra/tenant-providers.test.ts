import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../functions/core/notifications/model';
import { buildStack, grantsOf, logicalId, statementsOf } from './fixture';

const json = (value: unknown) => JSON.stringify(value);

describe('providers per tenant: secrets and records in the template', () => {
  let template: Template;
  beforeAll(() => {
    template = buildStack().template;
  });

  /** Every Secrets Manager grant of a function, its resource as JSON. */
  const secretGrants = (name: string) =>
    grantsOf(template, name).filter((g) => g.action.startsWith('secretsmanager:'));

  it('grants tenant secrets by the stack’s name prefix only: no other wildcard on any secret', () => {
    for (const name of ['api', 'manage', ...CHANNELS.map((c) => `send-${c}`)]) {
      for (const grant of secretGrants(name)) {
        // Either one of the stack's own provider secrets, or a name under herald/<stage>/tenants/.
        const own = grant.resource.includes('"Ref"') && !grant.resource.includes('*');
        const tenant = grant.resource.includes(':secret:herald/test/tenants/');
        expect(own || tenant, `${name}: ${grant.resource}`).toBe(true);
      }
    }
  });

  it('lets each channel’s sender read only that channel’s tenant secrets, and nothing write them', () => {
    for (const channel of ['sms', 'whatsapp', 'slack', 'email']) {
      const tenant = secretGrants(`send-${channel}`).filter((g) =>
        g.resource.includes('/tenants/'),
      );
      expect(tenant.map((g) => g.action)).toEqual(['secretsmanager:GetSecretValue']);
      expect(tenant[0]?.resource).toContain(`:secret:herald/test/tenants/*/${channel}/*`);
    }
    for (const channel of ['mqtt']) {
      expect(secretGrants(`send-${channel}`).some((g) => g.resource.includes('/tenants/'))).toBe(
        false,
      );
    }
  });

  it('lets the manage function write tenant secrets (PUT is write-only) and read them for verify; the api none', () => {
    expect(secretGrants('api')).toEqual([]);
    const tenant = secretGrants('manage').filter((g) => g.resource.includes('/tenants/'));
    expect(tenant.map((g) => g.action).sort()).toEqual([
      'secretsmanager:CreateSecret',
      'secretsmanager:DeleteSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ]);
    for (const grant of tenant) expect(grant.resource).toContain(':secret:herald/test/tenants/*');
  });

  it('keeps provider records in PROVIDERS# items: senders may only Query them', () => {
    const onProviders = (name: string) =>
      statementsOf(template, name).filter((s) => (json(s.condition) ?? '').includes('PROVIDERS#*'));
    for (const channel of ['sms', 'whatsapp', 'slack', 'email']) {
      expect(onProviders(`send-${channel}`).flatMap((s) => s.actions)).toEqual(['dynamodb:Query']);
    }
    expect(onProviders('send-mqtt')).toEqual([]);
    // The api reads them to validate a send (email identities, Slack allow-list).
    expect(
      onProviders('api')
        .flatMap((s) => s.actions)
        .sort(),
    ).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(
      onProviders('manage')
        .flatMap((s) => s.actions)
        .sort(),
    ).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
  });

  it('lets the manage function read senders’ breakers (BatchGetItem on RATE# items) and nothing else of them', () => {
    const onRates = statementsOf(template, 'manage').filter((s) =>
      (json(s.condition) ?? '').includes('RATE#*'),
    );
    expect(onRates.flatMap((s) => s.actions)).toEqual(['dynamodb:BatchGetItem']);
  });

  it('tells the api, the manage function and the senders where tenant secrets are', () => {
    const fn = template.findResources('AWS::Lambda::Function');
    const envOf = (id: string) =>
      (fn[id]?.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
    expect(
      envOf(logicalId(template, 'AWS::Lambda::Function', 'ApiFunction')).TENANT_SECRET_PREFIX,
    ).toBe('herald/test/tenants/');
    expect(
      envOf(logicalId(template, 'AWS::Lambda::Function', 'ManagementManageFunction'))
        .TENANT_SECRET_PREFIX,
    ).toBe('herald/test/tenants/');
    expect(
      envOf(logicalId(template, 'AWS::Lambda::Function', 'SmsSender')).TENANT_SECRET_PREFIX,
    ).toBe('herald/test/tenants/');
  });
});
