import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, FULL_CONFIG, findFunction, methodsByRoute, statementsOf } from './fixture';

const CONSOLE_ROUTES = ['GET /console', 'GET /console/{proxy+}'];

describe('HeraldConsole', () => {
  let template: Template;
  /** With requireUsagePlan on, as cdk.json deploys it. */
  let keyed: Template;
  beforeAll(() => {
    template = buildStack().template;
    keyed = buildStack({
      ...FULL_CONFIG,
      api: {
        authorizerCacheSeconds: 0,
        requireUsagePlan: true,
        throttleRateLimit: 50,
        throttleBurstLimit: 100,
        cloudWatchRole: true,
      },
    }).template;
  });

  it('serves the page and its files from its own small function: 128 MB, 5 s, no settings', () => {
    const { props } = findFunction(template, 'console');
    expect(props).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 128,
      Timeout: 5,
    });
    const env = Object.keys(props.Environment.Variables);
    expect(env.filter((k) => !k.startsWith('POWERTOOLS_') && k !== 'NODE_OPTIONS')).toEqual([]);
  });

  it('may write its own log group and nothing else', () => {
    const statements = statementsOf(template, 'console');
    expect(statements.flatMap((s) => s.actions).sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    const logGroup = findFunction(template, 'console').props.LoggingConfig.LogGroup;
    for (const s of statements) expect(JSON.stringify(s.resources)).toContain(logGroup.Ref);
  });

  it('answers GET /console and GET /console/{proxy+} without the authorizer or a usage-plan key', () => {
    const fn = findFunction(template, 'console').id;
    for (const t of [template, keyed]) {
      const routes = methodsByRoute(t);
      for (const route of CONSOLE_ROUTES) {
        const method = routes.get(route);
        expect(method, route).toMatchObject({
          AuthorizationType: 'NONE',
          Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
        });
        expect(method?.AuthorizerId, route).toBeUndefined();
        expect(method?.ApiKeyRequired ?? false, route).toBe(false);
        expect(JSON.stringify(method?.Integration), route).toContain(fn);
      }
    }
  });

  it('leaves every /v1 route behind the authorizer and, when required, the usage-plan key', () => {
    // Twilio's status callback is keyless (its X-Twilio-Signature is the proof), and so is the
    // one-click unsubscribe link (its signed token is; test/infra/recipients.test.ts).
    const v1 = [...methodsByRoute(keyed)].filter(
      ([route]) =>
        route.includes(' /v1/') &&
        route !== 'POST /v1/providers/twilio/status' &&
        !route.endsWith(' /v1/unsubscribe'),
    );
    expect(v1.length).toBeGreaterThan(5);
    for (const [route, method] of v1) {
      expect(method, route).toMatchObject({ AuthorizationType: 'CUSTOM', ApiKeyRequired: true });
    }
  });

  it('outputs the console URL', () => {
    const output = template.findOutputs('ConsoleUrl');
    expect(JSON.stringify(output)).toContain('console');
  });
});
