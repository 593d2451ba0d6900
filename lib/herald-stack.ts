import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { CHANNELS, type Channel } from '../functions/core/notifications/model';
import type { HeraldConfig } from './config';
import { HeraldApi } from './constructs/api';
import { createApiFunctions } from './constructs/api-functions';
import type { ChannelSender } from './constructs/channel-sender';
import { HeraldConsole } from './constructs/console';
import { DataTable } from './constructs/data-table';
import { DeadLetterReplay } from './constructs/dead-letter-replay';
import { DeliveryEvents } from './constructs/delivery-events';
import { IdempotencyTable } from './constructs/idempotency-table';
import { Management } from './constructs/management';
import { addMonitoring } from './constructs/monitoring';
import { addOutputs } from './constructs/outputs';
import { ProviderSecrets } from './constructs/provider-secrets';
import { addRecipientIndex, grantAddressFeedback } from './constructs/recipients';
import { Reconciler } from './constructs/reconciler';
import { Scheduling } from './constructs/scheduling';
import { createSenders } from './constructs/senders';
import { SesFeedback } from './constructs/ses-feedback';
import { Templates } from './constructs/templates';
import { addTenantProviders, grantSendRates } from './constructs/tenant-providers';
import { Topics } from './constructs/topics';
import { UnsubscribeLinks } from './constructs/unsubscribe-links';
import { Workflows } from './constructs/workflows';

export { API_SUPPRESSION_ACTIONS, API_TABLE_ACTIONS } from './constructs/api-functions';
export { UNROUTED_ALARMS_WARNING } from './constructs/monitoring';

/** Props of HeraldStack. */
export interface HeraldStackProps extends StackProps {
  /** The validated cdk.json `context.herald` block. */
  readonly config: HeraldConfig;
}

/**
 * Herald: API, one ChannelSender (two lanes) per enabled channel, scheduling, the table, secrets,
 * events, dashboard, alarms. Each piece is a construct (or a function building a few) in
 * lib/constructs/; this class only says what is wired to what, in the order it is created.
 */
export class HeraldStack extends Stack {
  /** Senders of the enabled channels, in CHANNELS order. */
  readonly senders: ReadonlyMap<Channel, ChannelSender>;
  /** Schedule group, release function, scheduler role and schedule DLQ. */
  readonly scheduling: Scheduling;
  /** SES configuration set, event topic, feedback queue and function (when email is enabled). */
  readonly sesFeedback?: SesFeedback;

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
    addRecipientIndex(table);
    const secrets = new ProviderSecrets(this, 'ProviderSecrets', { channels: enabled });
    const sesFeedback = enabled.includes('email')
      ? new SesFeedback(this, 'SesFeedback', {
          table,
          serviceName: serviceName('feedback'),
          logRetention,
          ...(config.sesConfigurationSet && { configurationSetName: config.sesConfigurationSet }),
          tracing: config.tracing,
        })
      : undefined;
    if (sesFeedback) this.sesFeedback = sesFeedback;

    const senders = createSenders(this, {
      channels: enabled,
      config,
      table,
      secrets,
      sesFeedback,
      logRetention,
      serviceName,
    });
    this.senders = senders;
    // Send rates per sender: the buckets and each lane's delayed copies (issue 22).
    grantSendRates(senders, table);
    grantAddressFeedback(table, senders, sesFeedback);

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
    const deadLetters = new DeadLetterReplay(this, 'DeadLetterReplay', {
      senders: [...senders.values()],
      scheduling,
    });
    const idempotency = new IdempotencyTable(this, 'Idempotency');
    const events = new DeliveryEvents(this, 'Events', {
      table,
      stage: config.stage,
      serviceName,
      logRetention,
      tracing: config.tracing,
    });

    const { apiFunction, authorizerFunction, manageEnvironment } = createApiFunctions(this, {
      config,
      table,
      senders,
      scheduling,
      deadLetters,
      idempotency,
      events,
      logRetention,
      serviceName,
    });
    const api = new HeraldApi(this, 'Api', {
      apiFunction,
      authorizerFunction,
      stageName: config.stage,
      apiName: `herald-${config.stage}`,
      settings: config.api,
      logRetention,
      tracing: config.tracing,
    });
    // The management routes, /openapi.json and public callbacks: a function of their own.
    const management = new Management(this, 'Management', {
      ...{ environment: manageEnvironment, table, senders, deadLetters, events, secrets },
      logRetention,
      serviceName: serviceName('manage'),
      tracing: config.tracing,
    });
    management.addRoutes({ root: api.api.root, v1: api.v1, secured: api.secured });
    const manageFunction = management.function;
    const templates = new Templates(this, 'Templates', {
      table,
      v1: api.v1,
      secured: api.secured,
      senders,
      apiFunction,
      logRetention,
      serviceName: serviceName('templates'),
      tracing: config.tracing,
    });
    // Providers per tenant: /v1/providers, records, per-tenant secrets by name prefix (issue 22).
    addTenantProviders(this, {
      stage: config.stage,
      table,
      apiFunction,
      manageFunction,
      senders,
      v1: api.v1,
      secured: api.secured,
      required: config.tenantProviders.required,
      sesIdentities: config.tenantProviders.sesIdentities,
      slackAllowListRequired: config.tenantProviders.slackAllowListRequired,
    });
    // Topics and their fan-out (issue 21).
    const topics = new Topics(this, 'Topics', {
      ...{ table, v1: api.v1, secured: api.secured, apiFunction, manageFunction, senders },
      logRetention,
      eventsFunction: events.eventsFunction,
      dataRetentionDays: config.dataRetentionDays,
      ...(senders.has('mqtt') && { mqttTopicPrefix: config.mqttTopicPrefix }),
      serviceName: serviceName('fan-out'),
      tracing: config.tracing,
    });
    const consoleSite = new HeraldConsole(this, 'Console', {
      api: api.api,
      serviceName: serviceName('console'),
      logRetention,
    });
    // One-click unsubscribe links: signed by the email sender, verified by the api (issue 18).
    new UnsubscribeLinks(this, 'UnsubscribeLinks', {
      // GET/POST /v1/unsubscribe are the manage function's: it verifies the links.
      apiFunction: manageFunction,
      // From the API id and stage name, not the Stage resource: no dependency cycle.
      apiUrl: `https://${api.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}/${config.stage}`,
      ...(senders.get('email') && { emailSender: senders.get('email')?.function }),
    });
    // Where Twilio reports each message (the sms/whatsapp senders) and the URL its signature
    // covers (the manage function). Built from the API id and stage name, so no cycle.
    if (secrets.secrets.twilio) {
      for (const fn of [
        manageFunction.fn,
        senders.get('sms')?.function.fn,
        senders.get('whatsapp')?.function.fn,
      ]) {
        fn?.addEnvironment('TWILIO_STATUS_CALLBACK_URL', api.twilioStatusUrl);
      }
    }

    const { dashboard, alarms } = addMonitoring(this, {
      config,
      senders: [...senders.values()],
      api: api.api,
      apiFunctions: [apiFunction, authorizerFunction],
      scheduling,
      events,
      consoleFunction: consoleSite.function,
      sesFeedback,
      serviceName,
    });
    dashboard.dashboard.addWidgets(...templates.widgets());
    templates.addAlarms(alarms.topic, config.alarms);
    dashboard.dashboard.addWidgets(...management.widgets());
    management.addAlarms(alarms.topic, config.alarms);
    // Workflows on Lambda durable functions: function, alias, callback path, routes, alarms.
    const workflows = new Workflows(this, 'Workflows', {
      table,
      senders,
      scheduling,
      idempotency,
      events,
      apiFunction,
      manageFunction,
      config,
      logRetention,
      v1: api.v1,
      secured: api.secured,
      alarmTopic: alarms.topic,
      tracing: config.tracing,
      serviceName: serviceName('workflow'),
    });
    const reconciler = new Reconciler(this, 'Reconciler', {
      table,
      senders: [...senders.values()],
      serviceName: serviceName('reconcile'),
      logRetention,
      alarmTopic: alarms.topic,
      tracing: config.tracing,
    });
    topics.grantReconciler(reconciler.function, table);
    workflows.triggers.grantReconciler(reconciler.function, table);
    // The fan-out and trigger stages page audiences: a failing page is resumed by the reconciler,
    // but a function that keeps failing or a page in a DLQ needs a human.
    alarms.watch(
      [topics.function, workflows.triggers.function],
      [
        {
          id: 'FanoutDlq',
          queue: topics.deadLetterQueue,
          meaning:
            "a topic send's fan-out page failed 5 times: the reconciler re-sends a stalled page, but the cause (see the fan-out function's logs) needs fixing; then drop or move the message back",
        },
        {
          id: 'WorkflowTriggerDlq',
          queue: workflows.triggers.deadLetterQueue,
          meaning:
            "a workflow trigger's page of subscribers failed 5 times: the reconciler re-sends a stalled page, but the cause (see the workflow-trigger function's logs) needs fixing; then drop or move the message back",
        },
      ],
    );

    addOutputs(this, {
      config,
      api,
      dashboard,
      table,
      alarmTopic: alarms.topic,
      events,
      scheduling,
      deadLetters,
      secrets,
    });
  }
}
