import {
  Annotations,
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { TENANT_INDEX } from '../functions/adapters/dynamodb/items';
import { CHANNELS, type Channel } from '../functions/core/notifications/model';
import { DEFAULT_MAX_RECIPIENTS_PER_CHANNEL } from '../functions/core/notifications/requests/limits';
import { channelTuning, type HeraldConfig } from './config';
import { HeraldAlarms } from './constructs/alarms';
import { HeraldApi } from './constructs/api';
import { ChannelSender } from './constructs/channel-sender';
import { HeraldConsole } from './constructs/console';
import { HeraldDashboard } from './constructs/dashboard';
import {
  API_KEY_ITEMS,
  DataTable,
  grantIndexQuery,
  grantItems,
  NOTIFICATION_ITEMS,
  SUPPRESSION_ITEMS,
  TENANT_INDEX_ITEMS,
} from './constructs/data-table';
import { DeadLetterReplay } from './constructs/dead-letter-replay';
import { DeliveryEvents } from './constructs/delivery-events';
import { HeraldFunction } from './constructs/herald-function';
import { IdempotencyTable } from './constructs/idempotency-table';
import { IotEndpoint } from './constructs/iot-endpoint';
import { ProviderSecrets } from './constructs/provider-secrets';
import { Reconciler } from './constructs/reconciler';
import { Scheduling } from './constructs/scheduling';
import { SesFeedback } from './constructs/ses-feedback';

/** DynamoDB actions of the api function (ingest, status, cancel); table only, no index. */
export const API_TABLE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

/** Printed at synth when alarms would reach nobody. */
export const UNROUTED_ALARMS_WARNING =
  'Herald alarms reach nobody: set "alarmEmail" (Herald subscribes it to its alarm topic) or "alarmTopicArn" (an existing SNS topic) in cdk.json context.herald, then deploy (docs/deploy.md, section 3).';

/** DynamoDB actions of the api function on the tenant's suppression list. */
export const API_SUPPRESSION_ACTIONS = [
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
] as const;

/** Props of HeraldStack. */
export interface HeraldStackProps extends StackProps {
  /** The validated cdk.json `context.herald` block. */
  readonly config: HeraldConfig;
}

/**
 * Herald: API, one ChannelSender (two lanes) per enabled channel, scheduling, the table, secrets,
 * dashboard, alarms.
 */
export class HeraldStack extends Stack {
  /** Senders of the enabled channels, in CHANNELS order. */
  readonly senders: ReadonlyMap<Channel, ChannelSender>;
  /** Schedule group, release function, scheduler role and schedule DLQ. */
  readonly scheduling: Scheduling;
  /** SES configuration set, event topic, feedback queue and function (when email is enabled). */
  readonly sesFeedback?: SesFeedback;
  /** Set while the constructor runs, for providerAccess. */
  #sesFeedback?: SesFeedback;

  constructor(scope: Construct, id: string, props: HeraldStackProps) {
    super(scope, id, props);
    const { config } = props;
    // RetentionDays values are the day counts; the config accepts only valid ones.
    const logRetention = config.logRetentionDays as logs.RetentionDays;
    const serviceName = (fn: string) => `herald-${config.stage}-${fn}`;
    const enabled = CHANNELS.filter((c) => config.enabledChannels.includes(c));

    const { table } = new DataTable(this, 'Data', {
      removalPolicy:
        config.tableRemovalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    const secrets = new ProviderSecrets(this, 'ProviderSecrets', { channels: enabled });
    if (enabled.includes('email')) {
      this.#sesFeedback = new SesFeedback(this, 'SesFeedback', {
        table,
        serviceName: serviceName('feedback'),
        logRetention,
        ...(config.sesConfigurationSet && { configurationSetName: config.sesConfigurationSet }),
        tracing: config.tracing,
      });
      this.sesFeedback = this.#sesFeedback;
    }

    const senders = new Map<Channel, ChannelSender>();
    for (const channel of enabled) {
      const { environment, statements } = this.providerAccess(channel, config, logRetention);
      senders.set(
        channel,
        new ChannelSender(this, `${capitalize(channel)}Sender`, {
          channel,
          table,
          tuning: channelTuning(config, channel),
          serviceName: serviceName(`send-${channel}`),
          logRetention,
          secret: secrets.forChannel(channel),
          environment,
          providerStatements: statements,
          tracing: config.tracing,
        }),
      );
    }
    this.senders = senders;
    // The name may be given literally (cdk.json): send only once the configuration set exists.
    const email = senders.get('email');
    if (email && this.#sesFeedback) {
      email.function.fn.node.addDependency(this.#sesFeedback.configurationSet);
    }
    if (email && config.sesSandbox) {
      Validations.of(email.function).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
        reason:
          'sesSandbox: in the SES sandbox SES also authorizes ses:SendEmail against each recipient identity, and recipients are not known at deploy time; the scope is the identities of this account and region, and SES itself refuses recipients that are not verified. Off once the account has production access.',
      });
    }
    const mqtt = senders.get('mqtt');
    if (mqtt) {
      Validations.of(mqtt.function).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:topic/${config.mqttTopicPrefix}*]`,
        reason:
          'Each request names its MQTT topic, so iot:Publish is scoped to the topics under the configured mqttTopicPrefix (the api function rejects any other topic); that prefix is the narrowest fixed scope.',
      });
    }

    const scheduling = new Scheduling(this, 'Scheduling', {
      table,
      senders: [...senders.values()],
      serviceName: serviceName('release'),
      logRetention,
      dataRetentionDays: config.dataRetentionDays,
      maxDays: config.scheduling.maxDays,
      tracing: config.tracing,
    });
    this.scheduling = scheduling;

    const apiEnvironment: Record<string, string> = {
      TABLE_NAME: table.tableName,
      MAX_RECIPIENTS_PER_CHANNEL: String(DEFAULT_MAX_RECIPIENTS_PER_CHANNEL),
      MAX_BODY_BYTES: '524288',
      DATA_RETENTION_DAYS: String(config.dataRetentionDays),
      // Lets ingest reject a `from` outside the sender's domain instead of failing it later.
      ...(config.enabledChannels.includes('email') ? { EMAIL_FROM: config.senderAddress } : {}),
    };
    for (const [channel, sender] of senders) {
      apiEnvironment[`QUEUE_URL_${channel.toUpperCase()}`] = sender.queue.queueUrl;
      apiEnvironment[`HIGH_QUEUE_URL_${channel.toUpperCase()}`] = sender.highQueue.queueUrl;
    }
    if (senders.has('mqtt')) apiEnvironment.MQTT_TOPIC_PREFIX = config.mqttTopicPrefix;
    Object.assign(apiEnvironment, scheduling.apiEnvironment);
    const deadLetters = new DeadLetterReplay(this, 'DeadLetterReplay', {
      senders: [...senders.values()],
      scheduling,
    });
    Object.assign(apiEnvironment, deadLetters.apiEnvironment);
    const idempotency = new IdempotencyTable(this, 'Idempotency');
    Object.assign(apiEnvironment, idempotency.apiEnvironment);

    const events = new DeliveryEvents(this, 'Events', {
      table,
      stage: config.stage,
      serviceName,
      logRetention,
      tracing: config.tracing,
    });
    apiEnvironment.WEBHOOK_QUEUE_URL = events.webhookQueue.queueUrl;

    const apiFunction = new HeraldFunction(this, 'ApiFunction', {
      handlerName: 'api',
      serviceName: serviceName('api'),
      timeout: Duration.seconds(10),
      memorySize: 512,
      logRetention,
      environment: apiEnvironment,
      tracing: config.tracing,
    });
    grantItems(apiFunction.fn, table, API_TABLE_ACTIONS, NOTIFICATION_ITEMS);
    // GET /v1/notifications: the caller's partition of the per-tenant time index.
    grantIndexQuery(apiFunction.fn, table, TENANT_INDEX, TENANT_INDEX_ITEMS);
    events.grantApi(apiFunction);
    grantItems(apiFunction.fn, table, API_SUPPRESSION_ACTIONS, SUPPRESSION_ITEMS);
    // Twilio status callbacks: the api function checks their signature with the auth token.
    const twilio = secrets.secrets.twilio;
    if (twilio) {
      apiFunction.fn.addEnvironment('TWILIO_SECRET_ID', twilio.secretArn);
      iam.Grant.addToPrincipal({
        grantee: apiFunction.fn,
        actions: ['secretsmanager:GetSecretValue'],
        resourceArns: [twilio.secretArn],
      });
    }
    for (const sender of senders.values()) {
      for (const queue of sender.queues) queue.grant(apiFunction.fn, 'sqs:SendMessage');
    }
    // Create (ingest) and delete (cancel) schedules in the group; pass the scheduler role.
    scheduling.grantScheduling(apiFunction);
    // GET /v1/dlq and POST /v1/dlq/replay: look at and empty the DLQs (replays send as above).
    deadLetters.grantReplay(apiFunction);
    // Idempotency-Key answers, in their own table.
    idempotency.grantUse(apiFunction);

    const authorizerFunction = new HeraldFunction(this, 'AuthorizerFunction', {
      handlerName: 'authorizer',
      serviceName: serviceName('authorizer'),
      timeout: Duration.seconds(5),
      logRetention,
      environment: { TABLE_NAME: table.tableName },
      tracing: config.tracing,
    });
    grantItems(authorizerFunction.fn, table, ['dynamodb:GetItem'], API_KEY_ITEMS);

    const api = new HeraldApi(this, 'Api', {
      apiFunction,
      authorizerFunction,
      stageName: config.stage,
      apiName: `herald-${config.stage}`,
      settings: config.api,
      logRetention,
      tracing: config.tracing,
    });

    const consoleSite = new HeraldConsole(this, 'Console', {
      api: api.api,
      serviceName: serviceName('console'),
      logRetention,
    });
    // Where Twilio reports each message (the sms/whatsapp senders) and the URL its signature
    // covers (the api function). Built from the API id and stage name, so no cycle.
    for (const fn of [
      apiFunction.fn,
      senders.get('sms')?.function.fn,
      senders.get('whatsapp')?.function.fn,
    ]) {
      if (twilio) fn?.addEnvironment('TWILIO_STATUS_CALLBACK_URL', api.twilioStatusUrl);
    }

    const apiFunctions = [apiFunction, authorizerFunction];
    const dashboard = new HeraldDashboard(this, 'Dashboard', {
      senders: [...senders.values()],
      api: api.api,
      apiFunctions,
      scheduling,
    });
    const alarms = new HeraldAlarms(this, 'Alarms', {
      senders: [...senders.values()],
      api: api.api,
      apiFunctions,
      scheduling,
      otherFunctions: [
        events.eventsFunction,
        events.senderFunction,
        consoleSite.function,
        ...(this.#sesFeedback ? [this.#sesFeedback.function] : []),
      ],
      otherDeadLetterQueues: this.#sesFeedback
        ? [
            {
              id: 'SesFeedbackDlq',
              queue: this.#sesFeedback.deadLetterQueue,
              meaning:
                'SES events (bounces, complaints, deliveries) the feedback function gave up on: those recipients are not suppressed and those deliveries not updated until the messages are handled. Fix the cause, then move them back to the feedback queue (StartMessageMoveTask)',
            },
          ]
        : [],
      thresholds: config.alarms,
      alarmEmail: config.alarmEmail,
      alarmTopicArn: config.alarmTopicArn,
    });
    dashboard.dashboard.addWidgets(...events.widgets());
    if (this.#sesFeedback)
      dashboard.dashboard.addWidgets(...this.#sesFeedback.widgets(serviceName('feedback')));
    events.addAlarms(alarms.topic);
    if (!alarms.routed)
      Annotations.of(this).addWarningV2('herald:unroutedAlarms', UNROUTED_ALARMS_WARNING);

    new Reconciler(this, 'Reconciler', {
      table,
      senders: [...senders.values()],
      serviceName: serviceName('reconcile'),
      logRetention,
      alarmTopic: alarms.topic,
      tracing: config.tracing,
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the Herald API' });
    new CfnOutput(this, 'ConsoleUrl', {
      value: `${api.url}console`,
      description: 'Operator console (loads without a key; paste one to use it)',
    });
    new CfnOutput(this, 'UsagePlanId', {
      value: api.usagePlan.usagePlanId,
      description: 'Default per-tenant usage plan (npm run keys -- create adds tenants to it)',
    });
    new CfnOutput(this, 'ApiStage', { value: config.stage, description: 'Stage of the REST API' });
    new CfnOutput(this, 'RestApiId', {
      value: api.api.restApiId,
      description: 'REST API id (usage plans: --api-stages apiId=<this>,stage=<stage>)',
    });
    new CfnOutput(this, 'DashboardUrl', { value: dashboard.url });
    new CfnOutput(this, 'TableName', {
      value: table.tableName,
      description: 'npm run keys -- create --tenant <id> --table <this>',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });
    new CfnOutput(this, 'EventsTopicArn', {
      value: events.topic.topicArn,
      description:
        'Delivery events; subscribe with a filter policy on tenantId, channel, status, type',
    });
    new CfnOutput(this, 'WebhookDeadLetterQueueUrl', {
      value: events.webhookDeadLetterQueue.queueUrl,
      description: 'Webhook messages whose retries ran out (body: the message, with the event)',
    });
    new CfnOutput(this, 'ScheduleGroupName', {
      value: scheduling.group.ref,
      description: 'EventBridge Scheduler group of the one-time release schedules',
    });
    new CfnOutput(this, 'QueueUrls', {
      value: deadLetters.queueUrlsJson,
      description: 'Every queue URL by variable name, JSON: npm run dlq reads it',
    });
    new CfnOutput(this, 'ScheduleDeadLetterQueueUrl', {
      value: scheduling.deadLetterQueue.queueUrl,
      description: 'Failed scheduled releases, body { notificationId } (docs/deploy.md)',
    });
    new CfnOutput(this, 'ReleaseFunctionName', {
      value: scheduling.releaseFunction.fn.functionName,
      description: 'Re-invoke with { "notificationId": "<id>" } to release a notification by hand',
    });
    for (const [provider, secret] of Object.entries(secrets.secrets)) {
      new CfnOutput(this, `${capitalize(provider)}SecretName`, {
        value: secret.secretName,
        description: `Fill with: aws secretsmanager put-secret-value --secret-id <this> (docs/deploy.md)`,
      });
    }
  }

  /** Channel-specific environment and provider permissions, scoped to what the channel sends. */
  private providerAccess(
    channel: Channel,
    config: HeraldConfig,
    logRetention: logs.RetentionDays,
  ): { environment: Record<string, string>; statements: iam.PolicyStatement[] } {
    if (channel === 'email') {
      const environment: Record<string, string> = { EMAIL_FROM: config.senderAddress };
      const domain = config.senderAddress.split('@')[1] ?? config.senderAddress;
      // SES authorizes against whichever identity is verified: the address or its domain. In the
      // sandbox it also authorizes against each recipient's identity, so the function may then
      // send to any identity of the account in this region (SES itself still refuses recipients
      // that are not verified).
      const identities = config.sesSandbox ? ['*'] : [config.senderAddress, domain];
      const resources = identities.map((identity) =>
        this.formatArn({
          service: 'ses',
          resource: 'identity',
          resourceName: identity,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      );
      // Every email goes out with Herald's configuration set, so its events come back.
      const feedback = this.#sesFeedback;
      if (feedback) {
        environment.SES_CONFIGURATION_SET = feedback.configurationSetName;
        resources.push(feedback.configurationSetArn);
      }
      return {
        environment,
        statements: [
          new iam.PolicyStatement({
            actions: ['ses:SendEmail'],
            resources,
            // identity/* would let the function send as any verified identity of the account:
            // only a From at the sender's domain (bare, or `Name <address>`) is allowed.
            ...(config.sesSandbox && {
              conditions: {
                StringLike: {
                  'ses:FromAddress': [`*@${domain.toLowerCase()}`, `*@${domain.toLowerCase()}>`],
                },
              },
            }),
          }),
        ],
      };
    }
    if (channel === 'mqtt') {
      const endpoint = new IotEndpoint(this, 'IotEndpoint', { logRetention });
      const topics = this.formatArn({
        service: 'iot',
        resource: 'topic',
        resourceName: `${config.mqttTopicPrefix}*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
      return {
        environment: { IOT_DATA_ENDPOINT: endpoint.url },
        statements: [new iam.PolicyStatement({ actions: ['iot:Publish'], resources: [topics] })],
      };
    }
    return { environment: {}, statements: [] };
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
