import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../functions/core/notifications/model';
import { buildStack, FULL_CONFIG, grantsOf, statementsOf } from './fixture';

const json = (value: unknown) => JSON.stringify(value);

describe('tenants’ SES identities in the template', () => {
  let template: Template;
  beforeAll(() => {
    template = buildStack().template;
  });

  const assumes = (name: string) =>
    grantsOf(template, name).filter((g) => g.action === 'sts:AssumeRole');

  it('lets only the email sender and the manage function (verify) assume roles, and only roles named herald-ses-*', () => {
    // The api function (the send path) assumes none.
    expect(assumes('api')).toEqual([]);
    for (const name of ['manage', 'send-email']) {
      const grants = assumes(name);
      expect(grants.length, name).toBe(1);
      // Any account (tenants’ accounts are not known at deploy time), but only that role name.
      expect(grants[0]?.resource).toMatch(/:iam::\*:role\/herald-ses-\*"/);
    }
    for (const channel of CHANNELS.filter((c) => c !== 'email')) {
      expect(assumes(`send-${channel}`), channel).toEqual([]);
    }
  });

  it('lets the email sender send as the stack’s identities the operator lists, nothing else', () => {
    const sendsOf = (t: Template) =>
      grantsOf(t, 'send-email')
        .filter((g) => g.action === 'ses:SendEmail')
        .map((g) => g.resource);
    const before = sendsOf(template);
    expect(before.join()).not.toContain('acme.example');
    const listed = buildStack({
      ...FULL_CONFIG,
      tenantProviders: { sesIdentities: ['acme.example', 'news@globex.example'] },
    }).template;
    const added = sendsOf(listed).filter((r) => !before.includes(r));
    expect(added).toHaveLength(2);
    for (const resource of added) {
      // This account and region only, one named identity each: never identity/*.
      expect(resource).toContain('"AWS::AccountId"');
      expect(resource).toContain('"AWS::Region"');
      expect(resource).not.toContain('identity/*');
    }
    expect(added.join()).toContain(':identity/acme.example');
    expect(added.join()).toContain(':identity/news@globex.example');
  });

  it('lets the manage function check identities and claim them (SESIDENTITY# items), nothing more', () => {
    expect(grantsOf(template, 'api').filter((g) => g.action.startsWith('ses:'))).toEqual([]);
    const checks = grantsOf(template, 'manage').filter((g) => g.action.startsWith('ses:'));
    expect(checks.map((g) => g.action)).toEqual(['ses:GetEmailIdentity']);
    expect(checks[0]?.resource).toContain('AWS::AccountId');
    const claims = statementsOf(template, 'manage').filter((s) =>
      (json(s.condition) ?? '').includes('SESIDENTITY#*'),
    );
    expect(claims.flatMap((s) => s.actions).sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
    ]);
    for (const channel of CHANNELS) {
      const sender = statementsOf(template, `send-${channel}`);
      expect(sender.some((s) => (json(s.condition) ?? '').includes('SESIDENTITY#'))).toBe(false);
    }
  });
});

describe('the SES account rate the email sender holds to', () => {
  const rateOf = (config: Record<string, unknown>) => {
    const fns = buildStack(config).template.findResources('AWS::Lambda::Function');
    const email = Object.entries(fns).find(([id]) => id.startsWith('EmailSender'))?.[1];
    return email?.Properties.Environment?.Variables?.SES_RATE_PER_SECOND;
  };

  it('is SES’s production 14/s, 1/s in the sandbox, or the quota the operator sets', () => {
    expect(rateOf(FULL_CONFIG)).toBe('14');
    expect(rateOf({ ...FULL_CONFIG, sesSandbox: true })).toBe('1');
    expect(rateOf({ ...FULL_CONFIG, sesRatePerSecond: 50 })).toBe('50');
    expect(() => buildStack({ ...FULL_CONFIG, sesRatePerSecond: 6000 })).toThrow(
      /sesRatePerSecond/,
    );
  });
});
