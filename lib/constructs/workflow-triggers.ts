import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RECONCILE_INDEX } from '../../functions/adapters/dynamodb/items';
import { SUBSCRIBER_ITEMS } from '../../functions/adapters/dynamodb/topic-store';
import {
  TRIGGER_ITEMS,
  TRIGGER_KEY_ITEMS,
  TRIGGER_OPEN,
} from '../../functions/adapters/dynamodb/workflow-trigger-store';
import { grantItems, NOTIFICATION_ITEMS } from './data-table';
import { HeraldFunction } from './herald-function';

/*
 * Triggers to a topic (functions/core/workflows/topic-trigger*.ts): the trigger queue (+ DLQ), the
 * workflow trigger function that works its pages (a run per subscriber), the api's part (record
 * a trigger, queue its first page, cancel by key) and GET /v1/workflow-triggers/{id}.
 */

/** One page: 250 runs, each a conditional create, two index writes and an asynchronous invoke. */
const TRIGGER_TIMEOUT = Duration.seconds(60);
/** Subscribers per page as deployed. */
export const TRIGGER_PAGE_SIZE = 250;

export interface WorkflowTriggersProps {
  readonly table: dynamodb.ITable;
  readonly v1: apigw.IResource;
  readonly secured: apigw.MethodOptions;
  readonly apiFunction: HeraldFunction;
  /** What runs are started on (the workflow function's `live` alias). */
  readonly alias: lambda.IFunction;
  /** Completes the callbacks of runs a cancel wakes (the workflow function's own). */
  readonly callbacks: iam.PolicyStatement;
  readonly dataRetentionDays: number;
  readonly logRetention: logs.RetentionDays;
  readonly serviceName: string;
  readonly tracing: boolean;
}

export class WorkflowTriggers extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: HeraldFunction;

  constructor(scope: Construct, id: string, props: WorkflowTriggersProps) {
    super(scope, id);
    const { table, apiFunction } = props;
    const queueProps = { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true };
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...queueProps,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...queueProps,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(TRIGGER_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    const triggerEnv = {
      WORKFLOW_TRIGGER_QUEUE_URL: this.queue.queueUrl,
      WORKFLOW_TRIGGER_PAGE_SIZE: String(TRIGGER_PAGE_SIZE),
    };
    this.function = new HeraldFunction(this, 'Function', {
      handlerName: 'workflow-trigger',
      serviceName: props.serviceName,
      timeout: TRIGGER_TIMEOUT,
      logRetention: props.logRetention,
      environment: {
        TABLE_NAME: table.tableName,
        DATA_RETENTION_DAYS: String(props.dataRetentionDays),
        WORKFLOW_FUNCTION_NAME: props.alias.functionArn,
        ...triggerEnv,
      },
      tracing: props.tracing,
    });
    const fn = this.function.fn;
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 1,
        maxConcurrency: 10,
        reportBatchItemFailures: true,
      }),
    );
    // Its checkpoint; the subscribers (read only); the runs it creates and their index entries.
    grantItems(fn, table, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], `${TRIGGER_ITEMS}*`);
    grantItems(fn, table, ['dynamodb:Query'], `${SUBSCRIBER_ITEMS}*`);
    grantItems(
      fn,
      table,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      'WFRUN#*',
    );
    grantItems(fn, table, ['dynamodb:BatchWriteItem'], 'WFRUNS#*');
    grantItems(fn, table, ['dynamodb:BatchWriteItem'], 'WFCANCEL#*');
    // A page that finds its trigger cancelled cancels the runs it made: waiters, notifications.
    grantItems(fn, table, ['dynamodb:Query', 'dynamodb:DeleteItem'], 'WFWAIT#*');
    grantItems(
      fn,
      table,
      ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      NOTIFICATION_ITEMS,
    );
    props.alias.grantInvoke(fn);
    fn.addToRolePolicy(props.callbacks);
    this.queue.grant(fn, 'sqs:SendMessage');

    // The api: records triggers and queues their first page; cancels them by key.
    for (const [name, value] of Object.entries(triggerEnv))
      apiFunction.fn.addEnvironment(name, value);
    this.queue.grant(apiFunction.fn, 'sqs:SendMessage');
    grantItems(
      apiFunction.fn,
      table,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      `${TRIGGER_ITEMS}*`,
    );
    grantItems(
      apiFunction.fn,
      table,
      ['dynamodb:PutItem', 'dynamodb:Query'],
      `${TRIGGER_KEY_ITEMS}*`,
    );

    const integration = new apigw.LambdaIntegration(apiFunction.fn, {
      proxy: true,
      allowTestInvoke: false,
    });
    props.v1
      .addResource('workflow-triggers')
      .addResource('{id}')
      .addMethod('GET', integration, props.secured);
  }

  /** The reconciler re-sends the page of a trigger whose checkpoint stopped moving. */
  grantReconciler(reconciler: HeraldFunction, table: dynamodb.ITable): void {
    const fn = reconciler.fn;
    fn.addEnvironment('WORKFLOW_TRIGGER_QUEUE_URL', this.queue.queueUrl);
    grantItems(fn, table, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], `${TRIGGER_ITEMS}*`);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${table.tableArn}/index/${RECONCILE_INDEX}`],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [TRIGGER_OPEN] } },
      }),
    );
    this.queue.grant(fn, 'sqs:SendMessage');
  }
}
