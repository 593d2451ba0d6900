import { describe, expect, it } from 'vitest';
import { parseQuota, TenantUsagePlans } from '../../bin/usage-plans';

/** An API Gateway client that answers from a small in-memory model and records each call. */
function fakeApiGateway() {
  const calls: { name: string; input: Record<string, unknown> }[] = [];
  const keys: { id: string; name: string; value: string }[] = [];
  const plans: { id: string; name: string }[] = [{ id: 'default-plan', name: 'default' }];
  const planKeys = new Set<string>();
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      const input = command.input;
      calls.push({ name, input });
      switch (name) {
        case 'GetApiKeys':
          return { items: keys.filter((k) => k.name === input.nameQuery) };
        case 'CreateApiKey': {
          const key = { id: `key-${keys.length}`, name: String(input.name), value: 'secret-value' };
          keys.push(key);
          return key;
        }
        case 'GetUsagePlans':
          return { items: plans };
        case 'CreateUsagePlan': {
          const plan = { id: `plan-${plans.length}`, name: String(input.name) };
          plans.push(plan);
          return plan;
        }
        case 'CreateUsagePlanKey': {
          const entry = `${input.usagePlanId}/${input.keyId}`;
          if (planKeys.has(entry))
            throw Object.assign(new Error('exists'), { name: 'ConflictException' });
          planKeys.add(entry);
          return {};
        }
        case 'DeleteUsagePlanKey':
          if (!planKeys.delete(`${input.usagePlanId}/${input.keyId}`)) {
            throw Object.assign(new Error('missing'), { name: 'NotFoundException' });
          }
          return {};
        case 'DeleteApiKey':
          keys.splice(
            keys.findIndex((k) => k.id === input.apiKey),
            1,
          );
          return {};
        default:
          return {};
      }
    },
  };
  return { client, calls, keys, planKeys };
}

const target = {
  restApiId: 'api1',
  stage: 'dev',
  defaultUsagePlanId: 'default-plan',
  prefix: 'herald-dev',
};

describe('TenantUsagePlans', () => {
  it('creates one API Gateway key per tenant and puts it in the default plan, once', async () => {
    const gateway = fakeApiGateway();
    const plans = new TenantUsagePlans(gateway.client as never, target);
    expect(await plans.attach('acme')).toBe('secret-value');
    expect(await plans.attach('acme')).toBe('secret-value');
    expect(gateway.keys.map((k) => k.name)).toEqual(['herald-dev-acme']);
    expect([...gateway.planKeys]).toEqual(['default-plan/key-0']);
  });

  it('with limits, gives the tenant its own plan and takes it out of the default one', async () => {
    const gateway = fakeApiGateway();
    const plans = new TenantUsagePlans(gateway.client as never, target);
    await plans.attach('acme');
    await plans.attach('acme', {
      rateLimit: 10,
      burstLimit: 20,
      quota: { limit: 100_000, period: 'DAY' },
    });
    const created = gateway.calls.find((c) => c.name === 'CreateUsagePlan')?.input;
    expect(created).toMatchObject({
      name: 'herald-dev-acme',
      apiStages: [{ apiId: 'api1', stage: 'dev' }],
      throttle: { rateLimit: 10, burstLimit: 20 },
      quota: { limit: 100_000, period: 'DAY' },
    });
    expect([...gateway.planKeys]).toEqual(['plan-1/key-0']);
  });

  it('detach removes the tenant key and its own plan', async () => {
    const gateway = fakeApiGateway();
    const plans = new TenantUsagePlans(gateway.client as never, target);
    await plans.attach('acme', { rateLimit: 5 });
    await plans.detach('acme');
    expect(gateway.keys).toEqual([]);
    expect(gateway.calls.map((c) => c.name)).toContain('DeleteUsagePlan');
  });

  it('parses --quota as <n>/<day|week|month>', () => {
    expect(parseQuota('100000/day')).toEqual({ limit: 100_000, period: 'DAY' });
    expect(parseQuota('5/Month')).toEqual({ limit: 5, period: 'MONTH' });
    expect(() => parseQuota('lots')).toThrow(/100000\/day/);
  });
});
