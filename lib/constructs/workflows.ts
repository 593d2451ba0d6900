import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Channel } from '../../functions/core/notifications/model';
import { DEFAULT_MAX_RECIPIENTS_PER_CHANNEL } from '../../functions/core/notifications/requests/limits';
import type { HeraldConfig } from '../config';
import { API_TABLE_ACTIONS } from './api-functions';
import type { ChannelSender } from './channel-sender';
import { grantItems, NOTIFICATION_ITEMS } from './data-table';
import type { DeliveryEvents } from './delivery-events';
import { HeraldFunction } from './herald-function';
import type { IdempotencyTable } from './idempotency-table';
import { CATEGORY_ITEMS, PROFILE_ITEMS } from './recipients';
import type { Scheduling } from './scheduling';
import { TEMPLATE_ITEMS } from './templates';
import { WorkflowTriggers } from './workflow-triggers';

/*
 * Workflows (functions/core/workflows): the workflow function on Lambda durable functions (one
 * execution per run; waits cost no compute, up to a year), its alias the api invokes, the callback
 * path (the events function completes a run's wait from recorded delivery changes), the
 * /v1/workflows and /v1/workflow-runs routes, and alarms on failed runs.
 */

/** How long a run may last in all (the engine's limit is 366 days). */
export const WORKFLOW_EXECUTION_TIMEOUT = Duration.days(366);

/** Props of Workflows. */
export interface WorkflowsProps {
  readonly table: dynamodb.ITable;
  readonly v1: apigw.IResource;
  readonly secured: apigw.MethodOptions;
  /** Starts runs for POST /v1/notifications with `routing` (the routing shorthand). */
  readonly apiFunction: HeraldFunction;
  /** Serves the workflow, run and trigger routes (lib/constructs/management.ts). */
  readonly manageFunction: HeraldFunction;
  readonly events: DeliveryEvents;
  readonly senders: ReadonlyMap<Channel, ChannelSender>;
  readonly scheduling: Scheduling;
  readonly idempotency: IdempotencyTable;
  readonly alarmTopic: sns.ITopic;
  readonly config: HeraldConfig;
  readonly logRetention: logs.RetentionDays;
  readonly serviceName: string;
  readonly tracing: boolean;
}

/** Items of runs, definitions and their indexes, one pattern each (least privilege). */
const RUN_ITEMS = 'WFRUN#*';
const DEFINITION_ITEMS = 'WF#*';
const RUN_INDEX_ITEMS = 'WFRUNS#*';
const CANCEL_ITEMS = 'WFCANCEL#*';
const WAIT_ITEMS = 'WFWAIT#*';

export class Workflows extends Construct {
  readonly function: HeraldFunction;
  /** What the api invokes: durable executions start on a qualified function. */
  readonly alias: lambda.Alias;
  readonly failedRunsAlarm: cloudwatch.Alarm;
  readonly triggers: WorkflowTriggers;

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const { table, apiFunction } = props;
    this.function = new HeraldFunction(this, 'WorkflowFunction', {
      handlerName: 'workflow',
      serviceName: props.serviceName,
      // One invocation replays a run up to its next wait: a few table writes and a send.
      timeout: Duration.seconds(60),
      logRetention: props.logRetention,
      environment: {
        ...ingestEnvironment(props),
        ...props.scheduling.apiEnvironment,
        ...props.idempotency.apiEnvironment,
      },
      tracing: props.tracing,
    });
    const fn = this.function.fn;
    (fn.node.defaultChild as lambda.CfnFunction).durableConfig = {
      executionTimeout: WORKFLOW_EXECUTION_TIMEOUT.toSeconds(),
      retentionPeriodInDays: 14,
    };
    this.alias = new lambda.Alias(this, 'Live', { aliasName: 'live', version: fn.currentVersion });
    const qualified = [fn.functionArn, `${fn.functionArn}:*`];

    // The run: its own checkpoints and callbacks. A policy of its own: the role's default policy
    // naming the function it belongs to would be a dependency cycle.
    const callbacks = new iam.PolicyStatement({
      actions: ['lambda:SendDurableExecutionCallbackSuccess'],
      resources: qualified,
    });
    const durable = new iam.Policy(this, 'DurableExecution', {
      roles: [this.function.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['lambda:CheckpointDurableExecution', 'lambda:GetDurableExecutionState'],
          resources: qualified,
        }),
        callbacks,
      ],
    });
    grantItems(fn, table, API_TABLE_ACTIONS, NOTIFICATION_ITEMS);
    grantItems(fn, table, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], RUN_ITEMS);
    grantItems(fn, table, ['dynamodb:GetItem'], DEFINITION_ITEMS);
    grantItems(
      fn,
      table,
      ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem'],
      WAIT_ITEMS,
    );
    grantItems(fn, table, ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'], 'WFDIGEST#*');
    grantItems(fn, table, ['dynamodb:UpdateItem'], 'WFTHROTTLE#*');
    // Template sends to recipient ids: render the template, read the profile and the category.
    grantItems(fn, table, ['dynamodb:GetItem'], TEMPLATE_ITEMS);
    grantItems(fn, table, ['dynamodb:GetItem', 'dynamodb:BatchGetItem'], PROFILE_ITEMS);
    grantItems(fn, table, ['dynamodb:GetItem'], CATEGORY_ITEMS);
    for (const sender of props.senders.values()) {
      for (const queue of sender.queues) queue.grant(fn, 'sqs:SendMessage');
    }
    props.scheduling.grantScheduling(this.function);
    props.idempotency.grantUse(this.function);

    // The callback path: the events function (recorded delivery changes) and cancel complete waits.
    const events = props.events.eventsFunction;
    events.role.addToPrincipalPolicy(callbacks);
    grantItems(events.fn, table, ['dynamodb:Query', 'dynamodb:DeleteItem'], WAIT_ITEMS);
    const manage = props.manageFunction;
    manage.role.addToPrincipalPolicy(callbacks);

    // The manage function: definitions, triggers (starts executions on the alias), runs, cancel.
    for (const starter of [apiFunction, manage]) {
      this.alias.grantInvoke(starter.fn);
      starter.fn.addEnvironment('WORKFLOW_FUNCTION_NAME', this.alias.functionArn);
    }
    grantItems(
      manage.fn,
      table,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
      DEFINITION_ITEMS,
    );
    grantItems(
      manage.fn,
      table,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      RUN_ITEMS,
    );
    // A trigger's index entries go in BatchWriteItems (adapters/dynamodb/workflow-run-store.ts).
    grantItems(manage.fn, table, ['dynamodb:BatchWriteItem', 'dynamodb:Query'], RUN_INDEX_ITEMS);
    grantItems(manage.fn, table, ['dynamodb:BatchWriteItem', 'dynamodb:Query'], CANCEL_ITEMS);
    grantItems(manage.fn, table, ['dynamodb:Query', 'dynamodb:DeleteItem'], WAIT_ITEMS);
    // The api: the routing shorthand creates runs (a conditional put, read back when it exists)
    // and their index entries, then starts them; it lists, cancels and defines nothing.
    grantItems(apiFunction.fn, table, ['dynamodb:GetItem', 'dynamodb:PutItem'], RUN_ITEMS);
    grantItems(apiFunction.fn, table, ['dynamodb:BatchWriteItem'], RUN_INDEX_ITEMS);
    grantItems(apiFunction.fn, table, ['dynamodb:BatchWriteItem'], CANCEL_ITEMS);
    addWorkflowRoutes(props.v1, manage.fn, props.secured);
    // Triggers to a topic: their queue and function, a run per subscriber (workflow-triggers.ts);
    // the manage function records them (POST /v1/workflows/{key}/trigger).
    this.triggers = new WorkflowTriggers(this, 'Triggers', {
      ...props,
      apiFunction: manage,
      alias: this.alias,
      callbacks,
      dataRetentionDays: props.config.dataRetentionDays,
      serviceName: `${props.serviceName}-trigger`,
    });

    // Failed runs (the handler counts them) and failing invocations page the operators.
    this.failedRunsAlarm = new cloudwatch.Alarm(this, 'FailedRuns', {
      alarmDescription: 'Workflow runs ended failed (GET /v1/workflow-runs?... shows the reason)',
      metric: new cloudwatch.Metric({
        namespace: 'Herald',
        metricName: 'WorkflowRunsFailed',
        dimensionsMap: { service: props.serviceName },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const errors = fn
      .metricErrors({ period: Duration.minutes(5), statistic: 'Sum' })
      .createAlarm(this, 'Errors', {
        alarmDescription: 'The workflow function failed invocations (the engine retries them)',
        threshold: 5,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    for (const alarm of [this.failedRunsAlarm, errors]) {
      alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      alarm.addOkAction(new actions.SnsAction(props.alarmTopic));
    }
    // `<function ARN>:*`: that one function's versions and aliases (executions run on a qualified
    // ARN, the `live` alias), never another function.
    const qualifiedFinding = `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`;
    for (const role of [
      this.function.role,
      events.role,
      apiFunction.role,
      manage.role,
      this.triggers.function.role,
    ]) {
      Validations.of(role).acknowledge({
        id: qualifiedFinding,
        reason:
          'Durable executions of the workflow function run on its qualified ARN (the live alias): checkpoints, callbacks and starts name that function with a version or alias suffix, so ":*" covers only its own versions and aliases, never another function.',
      });
    }
    Validations.of(durable).acknowledge({
      id: qualifiedFinding,
      reason:
        'Durable executions of the workflow function run on its qualified ARN (the live alias): checkpoints and callbacks name that function with a version or alias suffix, so ":*" covers only its own versions and aliases, never another function.',
    });
  }
}

/** What ingest reads (runtime/config.ts loadApiConfig), as the api function has it. */
function ingestEnvironment(props: WorkflowsProps): Record<string, string> {
  const { config, senders } = props;
  const env: Record<string, string> = {
    TABLE_NAME: props.table.tableName,
    DATA_RETENTION_DAYS: String(config.dataRetentionDays),
    MAX_RECIPIENTS_PER_CHANNEL: String(DEFAULT_MAX_RECIPIENTS_PER_CHANNEL),
    ...(config.enabledChannels.includes('email') ? { EMAIL_FROM: config.senderAddress } : {}),
    ...(senders.has('mqtt') ? { MQTT_TOPIC_PREFIX: config.mqttTopicPrefix } : {}),
  };
  for (const [channel, sender] of senders) {
    env[`QUEUE_URL_${channel.toUpperCase()}`] = sender.queue.queueUrl;
    env[`HIGH_QUEUE_URL_${channel.toUpperCase()}`] = sender.highQueue.queueUrl;
  }
  return env;
}

/** `/v1/workflows...` and `/v1/workflow-runs...`, each behind the API-key authorizer. */
function addWorkflowRoutes(
  v1: apigw.IResource,
  fn: lambda.IFunction,
  secured: apigw.MethodOptions,
) {
  const integration = new apigw.LambdaIntegration(fn, { proxy: true, allowTestInvoke: false });
  const workflows = v1.addResource('workflows');
  workflows.addMethod('GET', integration, secured);
  const workflow = workflows.addResource('{key}');
  for (const method of ['GET', 'PUT']) workflow.addMethod(method, integration, secured);
  workflow.addResource('publish').addMethod('POST', integration, secured);
  workflow.addResource('trigger').addMethod('POST', integration, secured);
  const runs = v1.addResource('workflow-runs');
  for (const method of ['GET', 'DELETE']) runs.addMethod(method, integration, secured);
  const run = runs.addResource('{id}');
  for (const method of ['GET', 'DELETE']) run.addMethod(method, integration, secured);
}
