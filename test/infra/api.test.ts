import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { isManagementPath } from '../../functions/handlers/api/management-paths';
import { buildStack, FULL_CONFIG, findFunction, logicalId, methodsByRoute } from './fixture';

/** Served by the console function (test/infra/console.test.ts), not the api function. */
const CONSOLE = ['GET /console', 'GET /console/{proxy+}'];
/** Served without the authorizer (and without a usage-plan key). */
// Twilio's callback carries the provider's signature (checked by the manage function), not a key.
const KEYLESS = [
  'GET /health',
  'GET /openapi.json',
  ...CONSOLE,
  'POST /v1/providers/twilio/status',
  // One-click unsubscribe (issue 18): the signed token in the link is the credential.
  'GET /v1/unsubscribe',
  'POST /v1/unsubscribe',
];

describe('HeraldApi', () => {
  let template: Template;
  let variant: Template;
  beforeAll(() => {
    template = buildStack().template;
    variant = buildStack({
      ...FULL_CONFIG,
      enabledChannels: ['email', 'slack'],
      channels: {},
      api: {
        authorizerCacheSeconds: 60,
        requireUsagePlan: true,
        throttleRateLimit: 20,
        throttleBurstLimit: 40,
        cloudWatchRole: false,
      },
    }).template;
  });

  it('serves the send and read routes through the api function, the management routes through the manage function (proxy)', () => {
    const routes = [...methodsByRoute(template)].filter(
      // The console and /v1/templates have functions of their own (console.test.ts, templates.test.ts).
      ([route]) => !CONSOLE.includes(route) && !route.includes(' /v1/templates'),
    );
    const pathOf = (route: string) => route.split(' ')[1] ?? '';
    const apiRoutes = routes.filter(([route]) => !isManagementPath(pathOf(route)));
    expect(apiRoutes.map(([route]) => route).sort()).toEqual(
      [
        'DELETE /v1/notifications/{id}',
        'GET /health',
        'GET /v1/me',
        'GET /v1/notifications',
        'GET /v1/notifications/{id}',
        'POST /notification/dispatch',
        'POST /v1/notifications',
      ].sort(),
    );
    const manageRoutes = routes.filter(([route]) => isManagementPath(pathOf(route)));
    // Every management capability, the public links and the document (issues 10, 11, 18-22).
    for (const route of [
      'GET /openapi.json',
      'GET /v1/dlq',
      'POST /v1/dlq/replay',
      'GET /v1/suppressions',
      'POST /v1/providers/twilio/status',
      'POST /v1/webhooks',
      'PUT /v1/providers/{channel}/{name}',
      'PUT /v1/providers/slack-allow-list',
      'POST /v1/recipients/batch',
      'PUT /v1/recipients/{id}/preferences',
      'GET /v1/unsubscribe',
      'PUT /v1/categories/{key}',
      'POST /v1/topics/{key}/subscribers',
      'PUT /v1/workflows/{key}',
      'POST /v1/workflows/{key}/trigger',
      'GET /v1/workflow-runs/{id}',
      'GET /v1/workflow-triggers/{id}',
    ])
      expect(manageRoutes.map(([r]) => r)).toContain(route);
    const api = findFunction(template, 'api').id;
    const manage = findFunction(template, 'manage').id;
    for (const [expected, other, served] of [
      [api, manage, apiRoutes],
      [manage, api, manageRoutes],
    ] as const) {
      for (const [route, method] of served) {
        expect(method.Integration, route).toMatchObject({
          Type: 'AWS_PROXY',
          IntegrationHttpMethod: 'POST',
        });
        expect(JSON.stringify(method.Integration), route).toContain(expected);
        expect(JSON.stringify(method.Integration), route).not.toContain(other);
      }
    }
  });

  it('puts the authorizer on every route except GET /health, GET /openapi.json, the console and the Twilio callback', () => {
    const authorizer = logicalId(template, 'AWS::ApiGateway::Authorizer', 'ApiAuthorizer');
    for (const [route, method] of methodsByRoute(template)) {
      if (KEYLESS.includes(route)) {
        expect(method.AuthorizationType).toBe('NONE');
        expect(method.AuthorizerId).toBeUndefined();
      } else {
        expect(method, route).toMatchObject({
          AuthorizationType: 'CUSTOM',
          AuthorizerId: { Ref: authorizer },
          ApiKeyRequired: false,
        });
      }
    }
  });

  it('by default lets either Authorization or x-api-key reach an uncached REQUEST authorizer', () => {
    const authorizers = Object.values(template.findResources('AWS::ApiGateway::Authorizer'));
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]?.Properties).toMatchObject({
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: 0,
    });
    expect(authorizers[0]?.Properties.IdentitySource).toBeUndefined();
    const fn = findFunction(template, 'authorizer');
    expect(JSON.stringify(authorizers[0]?.Properties.AuthorizerUri)).toContain(fn.id);
  });

  it('with a cache TTL, caches on the Authorization header', () => {
    variant.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: 60,
      IdentitySource: 'method.request.header.Authorization',
    });
  });

  it('a revoked key stops working within the gateway cache TTL: the function keeps no cache of its own then', () => {
    const env = (t: Template) =>
      findFunction(t, 'authorizer').props.Environment?.Variables as Record<string, unknown>;
    // Cached at the gateway: its TTL is the whole revocation window, not TTL + the function's 60 s.
    expect(env(variant).AUTHORIZER_CACHE_SECONDS).toBe('0');
    // Uncached at the gateway: the function's own 60 s cache (its default) is the window.
    expect(env(template).AUTHORIZER_CACHE_SECONDS).toBeUndefined();
  });

  it('takes usage-plan keys from the authorizer and can require them (per-tenant plans)', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
    for (const [route, method] of methodsByRoute(variant)) {
      expect(method.ApiKeyRequired ?? false, route).toBe(!KEYLESS.includes(route));
    }
  });

  it('creates the default per-tenant usage plan on the stage, and 429s that say when to retry', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 10, BurstLimit: 20 },
      Quota: { Limit: 100_000, Period: 'DAY' },
      ApiStages: [Match.objectLike({ Stage: Match.anyValue() })],
    });
    template.hasOutput('UsagePlanId', {});
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'THROTTLED',
      StatusCode: '429',
      ResponseParameters: { 'gatewayresponse.header.Retry-After': "'1'" },
    });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'QUOTA_EXCEEDED',
      StatusCode: '429',
    });
  });

  it('throttles the stage and writes JSON access logs to its own log group', () => {
    const logs = logicalId(template, 'AWS::Logs::LogGroup', 'ApiAccessLogs');
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'test',
      MethodSettings: [
        { HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      ],
    });
    variant.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [{ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }],
    });
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0];
    // arn:...:log-group:<name> of its own log group.
    const destination = JSON.stringify(stage?.Properties.AccessLogSetting.DestinationArn);
    expect(destination).toContain(`{"Ref":"${logs}"}`);
    expect(destination).toContain(':log-group:');
    const format = JSON.parse(stage?.Properties.AccessLogSetting.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      tenantId: '$context.authorizer.tenantId',
    });
  });

  it('names the API herald-<stage>', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'herald-test' });
  });

  it("creates the account's API Gateway CloudWatch Logs role by default, kept on destroy, before the stage", () => {
    // Access logs fail stage creation on an account that has no such role.
    const accounts = template.findResources('AWS::ApiGateway::Account');
    expect(Object.keys(accounts)).toHaveLength(1);
    const [accountId, account] = Object.entries(accounts)[0] ?? [];
    expect(account).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const roleId = account?.Properties.CloudWatchRoleArn['Fn::GetAtt'][0] as string;
    const role = template.findResources('AWS::IAM::Role')[roleId];
    expect(role).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [{ Principal: { Service: 'apigateway.amazonaws.com' } }],
        },
      },
    });
    expect(JSON.stringify(role?.Properties.ManagedPolicyArns)).toContain(
      'service-role/AmazonAPIGatewayPushToCloudWatchLogs',
    );
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0];
    expect(stage?.DependsOn).toContain(accountId);
  });

  it('creates no CloudWatch role with api.cloudWatchRole false (the account manages it)', () => {
    variant.resourceCountIs('AWS::ApiGateway::Account', 0);
    expect(JSON.stringify(variant.findResources('AWS::IAM::Role'))).not.toContain(
      'AmazonAPIGatewayPushToCloudWatchLogs',
    );
  });

  it('gives the api function a queue URL for each enabled channel only', () => {
    const env = findFunction(template, 'api').props.Environment.Variables;
    expect(
      Object.keys(env)
        .filter((k) => k.startsWith('QUEUE_URL_'))
        .sort(),
    ).toEqual([
      'QUEUE_URL_EMAIL',
      'QUEUE_URL_MQTT',
      'QUEUE_URL_PUSH',
      'QUEUE_URL_SLACK',
      'QUEUE_URL_SMS',
      'QUEUE_URL_WHATSAPP',
    ]);
    expect(
      Object.keys(env)
        .filter((k) => k.startsWith('HIGH_QUEUE_URL_'))
        .sort(),
    ).toEqual(
      [
        'QUEUE_URL_EMAIL',
        'QUEUE_URL_MQTT',
        'QUEUE_URL_PUSH',
        'QUEUE_URL_SLACK',
        'QUEUE_URL_SMS',
        'QUEUE_URL_WHATSAPP',
      ].map((k) => `HIGH_${k}`),
    );
    expect(env).toMatchObject({
      TABLE_NAME: { Ref: expect.stringMatching(/^DataTable/) },
      QUEUE_URL_EMAIL: { Ref: logicalId(template, 'AWS::SQS::Queue', 'EmailSenderQueue') },
      HIGH_QUEUE_URL_EMAIL: {
        Ref: logicalId(template, 'AWS::SQS::Queue', 'EmailSenderHighQueue'),
      },
      MAX_RECIPIENTS_PER_CHANNEL: '1000',
      MAX_BODY_BYTES: '524288',
      DATA_RETENTION_DAYS: '90',
      MQTT_TOPIC_PREFIX: 'herald/',
      POWERTOOLS_SERVICE_NAME: 'herald-test-api',
      POWERTOOLS_METRICS_NAMESPACE: 'Herald',
    });

    const partial = findFunction(variant, 'api').props.Environment.Variables;
    expect(
      Object.keys(partial)
        .filter((k) => k.startsWith('QUEUE_URL_'))
        .sort(),
    ).toEqual(['QUEUE_URL_EMAIL', 'QUEUE_URL_SLACK']);
    expect(
      Object.keys(partial)
        .filter((k) => k.startsWith('HIGH_QUEUE_URL_'))
        .sort(),
    ).toEqual(['HIGH_QUEUE_URL_EMAIL', 'HIGH_QUEUE_URL_SLACK']);
    expect(partial.MQTT_TOPIC_PREFIX).toBeUndefined();
  });

  it('creates senders, secrets and the IoT lookup only for enabled channels', () => {
    // Two lanes per channel; each channel's two queues and DLQ, plus the schedule DLQ; plus the
    // events stream and webhook queue mappings, the webhook queue, its DLQ and the stream
    // failure queue (DeliveryEvents); plus the SES feedback queue, its DLQ and its mapping; plus
    // the topics fan-out queue, its DLQ and its mapping (topics.test.ts); plus the workflow
    // trigger queue, its DLQ and its mapping (workflows.test.ts).
    variant.resourceCountIs('AWS::Lambda::EventSourceMapping', 4 + 2 + 1 + 1 + 1);
    variant.resourceCountIs('AWS::SQS::Queue', 2 * 3 + 1 + 3 + 2 + 2 + 2);
    // The enabled channel's provider secret and the unsubscribe link key (issue 18).
    variant.resourceCountIs('AWS::SecretsManager::Secret', 2);
    variant.resourceCountIs('Custom::AWS', 0);
    expect(() => findFunction(variant, 'send-sms')).toThrow();
  });
});
