import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HeraldConfig } from '../config';
import type { HeraldFunction } from './herald-function';

/** Props of HeraldApi. */
export interface HeraldApiProps {
  /** Serves the send and read routes and /health (REST proxy integration). */
  readonly apiFunction: HeraldFunction;
  /** REQUEST authorizer; returns `{ tenantId }` context and `usageIdentifierKey`. */
  readonly authorizerFunction: HeraldFunction;
  /** Stage name, also the first path segment of the URL. */
  readonly stageName: string;
  /** API name, `herald-<stage>`: also the `ApiName` dimension of the API's metrics. */
  readonly apiName: string;
  /** Stage throttle, authorizer cache, usage-plan and CloudWatch-role switches. */
  readonly settings: HeraldConfig['api'];
  /** X-Ray tracing on the stage. */
  readonly tracing: boolean;
  /** Retention of the access log group. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The public REST API: API-key REQUEST authorizer on every route but /health, access logs,
 * stage throttling, and the authorizer as the usage-plan key source so per-tenant usage plans
 * (throttle + daily quota) can be attached.
 */
export class HeraldApi extends Construct {
  /** The REST API. */
  readonly api: apigw.RestApi;
  /** The Lambda REQUEST authorizer. */
  readonly authorizer: apigw.RequestAuthorizer;
  /** Access log group of the stage. */
  readonly accessLogs: logs.LogGroup;
  /** The default usage plan tenants' API Gateway keys join (`npm run keys -- create`). */
  readonly usagePlan: apigw.UsagePlan;
  /** Public URL of the Twilio status callback route (TWILIO_STATUS_CALLBACK_URL). */
  readonly twilioStatusUrl: string;
  /** The `/v1` resource, for routes served by other functions (templates.ts, management.ts). */
  readonly v1: apigw.IResource;
  /** Method options of keyed routes: the API-key authorizer and the usage-plan requirement. */
  readonly secured: apigw.MethodOptions;

  constructor(scope: Construct, id: string, props: HeraldApiProps) {
    super(scope, id);
    const { settings } = props;

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.api = new apigw.RestApi(this, 'RestApi', {
      restApiName: props.apiName,
      description: 'Herald notifications API',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Usage plans count against the key the authorizer returns (usageIdentifierKey).
      apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
      // Access logs need the account's API Gateway CloudWatch Logs role (one per account and
      // region), so a fresh account gets one; it outlives the stack because other APIs of the
      // account may rely on it. Accounts that manage it elsewhere turn this off.
      cloudWatchRole: settings.cloudWatchRole,
      ...(settings.cloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      deployOptions: {
        stageName: props.stageName,
        tracingEnabled: props.tracing,
        throttlingRateLimit: settings.throttleRateLimit,
        throttlingBurstLimit: settings.throttleBurstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: apigw.AccessLogField.contextRequestId(),
            time: apigw.AccessLogField.contextRequestTime(),
            ip: apigw.AccessLogField.contextIdentitySourceIp(),
            method: apigw.AccessLogField.contextHttpMethod(),
            resource: apigw.AccessLogField.contextResourcePath(),
            status: apigw.AccessLogField.contextStatus(),
            latencyMs: apigw.AccessLogField.contextResponseLatency(),
            integrationLatencyMs: apigw.AccessLogField.contextIntegrationLatency(),
            responseLength: apigw.AccessLogField.contextResponseLength(),
            tenantId: apigw.AccessLogField.contextAuthorizer('tenantId'),
            authorizerError: '$context.authorizer.error',
            error: apigw.AccessLogField.contextErrorMessage(),
          }),
        ),
      },
    });

    this.acknowledgeFindings();

    // Per-tenant limits: the keys CLI makes one API Gateway key per tenant and adds it to this
    // plan (or to the tenant's own); the authorizer names that key (usageIdentifierKey).
    const plan = settings.usagePlan;
    this.usagePlan = this.api.addUsagePlan('DefaultUsagePlan', {
      description: 'Herald default per-tenant plan (cdk.json herald.api.usagePlan)',
      throttle: { rateLimit: plan.rateLimit, burstLimit: plan.burstLimit },
      quota: { limit: plan.quota.limit, period: apigw.Period[plan.quota.period] },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    // Throttled clients learn when to come back, in Herald's error shape.
    for (const [id, type, message] of [
      ['Throttled', apigw.ResponseType.THROTTLED, 'Too Many Requests'],
      ['QuotaExceeded', apigw.ResponseType.QUOTA_EXCEEDED, 'Limit Exceeded'],
    ] as const) {
      this.api.addGatewayResponse(id, {
        type,
        statusCode: '429',
        responseHeaders: {
          'Retry-After': type === apigw.ResponseType.THROTTLED ? "'1'" : "'3600'",
        },
        templates: { 'application/json': JSON.stringify({ message }) },
      });
    }

    const cacheSeconds = settings.authorizerCacheSeconds;
    this.authorizer = new apigw.RequestAuthorizer(this, 'Authorizer', {
      handler: props.authorizerFunction.fn,
      // A cached REQUEST authorizer answers 401 itself when ANY identity source is missing, so
      // "Authorization or x-api-key" only works uncached; with a cache the key must be in
      // Authorization. The cache key is the credential itself, never shared across tenants: the
      // authorizer reads the key from Authorization whenever it is present (keyFromHeaders).
      identitySources: cacheSeconds > 0 ? [apigw.IdentitySource.header('Authorization')] : [],
      resultsCacheTtl: Duration.seconds(cacheSeconds),
    });
    if (cacheSeconds === 0) {
      (this.authorizer.node.defaultChild as apigw.CfnAuthorizer).addPropertyDeletionOverride(
        'IdentitySource',
      );
    } else {
      // The gateway caches per key already; the function's own cache (60 s) would only add its
      // time to the revocation window, which is then exactly authorizerCacheSeconds.
      props.authorizerFunction.fn.addEnvironment('AUTHORIZER_CACHE_SECONDS', '0');
    }

    const integration = new apigw.LambdaIntegration(props.apiFunction.fn, {
      proxy: true,
      allowTestInvoke: false,
    });
    const secured: apigw.MethodOptions = {
      authorizer: this.authorizer,
      authorizationType: apigw.AuthorizationType.CUSTOM,
      apiKeyRequired: settings.requireUsagePlan,
    };

    const root = this.api.root;
    const health = root.addResource('health').addMethod('GET', integration, {
      authorizationType: apigw.AuthorizationType.NONE,
    });
    Validations.of(health).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'GET /health is an unauthenticated liveness probe for load balancers and uptime checks; it returns no data.',
    });
    const v1 = root.addResource('v1');
    this.v1 = v1;
    this.secured = secured;
    v1.addResource('me').addMethod('GET', integration, secured);
    const notifications = v1.addResource('notifications');
    notifications.addMethod('POST', integration, secured);
    notifications.addMethod('GET', integration, secured);
    const notification = notifications.addResource('{id}');
    notification.addMethod('GET', integration, secured);
    notification.addMethod('DELETE', integration, secured);
    root
      .addResource('notification')
      .addResource('dispatch')
      .addMethod('POST', integration, secured);

    // The management routes, /openapi.json and Twilio's status callback are the manage
    // function's (lib/constructs/management.ts), /v1/templates the templates function's.
    const stack = Stack.of(this);
    // From the API id and the stage name (not the Stage resource): the manage function's own
    // environment can name it without a dependency cycle through the deployment.
    this.twilioStatusUrl = `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${props.stageName}/v1/providers/twilio/status`;
  }

  private acknowledgeFindings(): void {
    const api = Validations.of(this.api);
    // RestApi builds the role as its child `CloudWatchRole` when cloudWatchRole is on.
    const role = this.api.node.tryFindChild('CloudWatchRole');
    if (role) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level API Gateway CloudWatch Logs role is assumed only by apigateway.amazonaws.com; AWS publishes this managed policy for exactly that role, and API Gateway writes to log groups it names per API and stage.',
      });
    }
    api.acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Herald clients are servers holding per-tenant API keys, not end users: the Lambda REQUEST authorizer checks hashed keys in DynamoDB; there is no Cognito user pool by design.',
    });
    api.acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Bodies are validated by the api function (zod schemas for both API shapes) so a 400 lists every bad field, including cross-field rules a JSON-schema model cannot express; nothing is enqueued for a rejected request.',
    });
    api.acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'Execution logs would go to log groups API Gateway creates without retention (API-Gateway-Execution-Logs_<id>/<stage>, kept forever); JSON access logs with retention are on, and the api and authorizer functions log every request.',
    });
    api.acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Every route but /health requires an API key checked by the authorizer and the stage is throttled (per-tenant usage plans optional); a WAFv2 web ACL (>= $5/month + $0.60/M requests) can be associated by the operator (docs/deploy.md).',
    });
  }

  /** The invoke URL of the stage, ending in `/`. */
  get url(): string {
    return this.api.url;
  }
}
