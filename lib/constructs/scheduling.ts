import { ArnFormat, Aws, type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ChannelSender } from './channel-sender';
import { grantItems, NOTIFICATION_ITEMS } from './data-table';
import { HeraldFunction } from './herald-function';

/** Lambda retries of a failed asynchronous release before the event goes to the schedule DLQ. */
export const RELEASE_RETRY_ATTEMPTS = 2;

/** Props of Scheduling. */
export interface SchedulingProps {
  /** Herald's table: the release function reads a notification and marks its deliveries. */
  readonly table: dynamodb.ITable;
  /** Senders of the enabled channels: the release function sends to both lanes of each. */
  readonly senders: readonly ChannelSender[];
  /** Powertools service name of the release function (its metrics' `service` dimension). */
  readonly serviceName: string;
  /** Log retention of the release function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** DATA_RETENTION_DAYS, as on the api function (the release function loads the api config). */
  readonly dataRetentionDays: number;
  /** SCHEDULE_MAX_DAYS: how far ahead `sendAt` may be. */
  readonly maxDays: number;
  /** X-Ray active tracing on the release function. */
  readonly tracing: boolean;
}

/**
 * Sends due beyond the SQS delay horizon: the api function creates one one-time schedule per
 * notification in this group (name `herald-<id>`, `at(...)` in UTC, deleted after completion)
 * whose target is the release function, invoked with `{ notificationId }` through a role that can
 * do nothing else. Whatever cannot be released ends in one DLQ holding `{ notificationId }`:
 * Scheduler puts an invocation there when its retry policy is exhausted (target unreachable,
 * throttled, denied), Lambda when the function itself failed RELEASE_RETRY_ATTEMPTS + 1 times
 * (Scheduler invokes Lambda asynchronously, so a function error never reaches Scheduler).
 */
export class Scheduling extends Construct {
  /** The schedule group; CloudFormation names it, Ref gives the name. */
  readonly group: scheduler.CfnScheduleGroup;
  /** Where failed releases go; every message body is `{ "notificationId": "..." }`. */
  readonly deadLetterQueue: sqs.Queue;
  /** The release-scheduled function (the schedules' target). */
  readonly releaseFunction: HeraldFunction;
  /** Role Scheduler assumes: lambda:InvokeFunction on the release function, SendMessage to the DLQ. */
  readonly schedulerRole: iam.Role;
  /** The release function's POWERTOOLS_SERVICE_NAME. */
  readonly serviceName: string;
  /** SCHEDULE_MAX_DAYS. */
  readonly maxDays: number;

  constructor(scope: Construct, id: string, props: SchedulingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.serviceName = props.serviceName;
    this.maxDays = props.maxDays;

    this.group = new scheduler.CfnScheduleGroup(this, 'Group');

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const environment: Record<string, string> = {
      TABLE_NAME: props.table.tableName,
      DATA_RETENTION_DAYS: String(props.dataRetentionDays),
    };
    for (const sender of props.senders) {
      const channel = sender.channel.toUpperCase();
      environment[`QUEUE_URL_${channel}`] = sender.queue.queueUrl;
      environment[`HIGH_QUEUE_URL_${channel}`] = sender.highQueue.queueUrl;
    }
    this.releaseFunction = new HeraldFunction(this, 'ReleaseFunction', {
      handlerName: 'release-scheduled',
      serviceName: props.serviceName,
      // Up to 1000 recipients per channel: SendMessageBatch 10 at a time, one UpdateItem each.
      timeout: Duration.minutes(1),
      memorySize: 512,
      logRetention: props.logRetention,
      environment,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: RELEASE_RETRY_ATTEMPTS,
      tracing: props.tracing,
    });
    const fn = this.releaseFunction.fn;
    // Query (pk = NOTIF#<id>) reads the notification and deliveries; UpdateItem marks them queued.
    grantItems(fn, props.table, ['dynamodb:Query', 'dynamodb:UpdateItem'], NOTIFICATION_ITEMS);
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['sqs:SendMessage'],
      resourceArns: props.senders.flatMap((s) => s.queues.map((q) => q.queueArn)),
    });

    // Scheduler passes aws:SourceArn as the group's or the schedule's ARN; both are in the group.
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'Herald: EventBridge Scheduler invokes the release function',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': [this.group.attrArn, this.schedulesArn] },
        },
      }),
    });
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [fn.functionArn, `${fn.functionArn}:*`],
      }),
    );
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
      }),
    );
    Validations.of(this.schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason:
        'The scheduler role may invoke only the release function; the ":*" suffix covers that same function\'s versions and aliases (a schedule targeting a qualified ARN), never another function.',
    });
  }

  /** `arn:<partition>:scheduler:<region>:<account>:schedule/<group>/*`: every schedule of the group. */
  get schedulesArn(): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.ref}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /**
   * An EventBridge Scheduler metric of this group (namespace AWS/Scheduler, dimension
   * ScheduleGroup), summed per 5 minutes: TargetErrorCount, InvocationDroppedCount,
   * InvocationsFailedToBeSentToDeadLetterCount, InvocationAttemptCount, ...
   */
  schedulerMetric(metricName: string, label?: string): cw.Metric {
    return new cw.Metric({
      namespace: 'AWS/Scheduler',
      metricName,
      dimensionsMap: { ScheduleGroup: this.group.ref },
      statistic: cw.Stats.SUM,
      period: Duration.minutes(5),
      ...(label === undefined ? {} : { label }),
    });
  }

  /** The api function's scheduling variables (functions/runtime/config.ts). */
  get apiEnvironment(): Record<string, string> {
    return {
      SCHEDULER_GROUP_NAME: this.group.ref,
      SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
      RELEASE_TARGET_ARN: this.releaseFunction.fn.functionArn,
      SCHEDULER_DLQ_ARN: this.deadLetterQueue.queueArn,
      SCHEDULE_MAX_DAYS: String(this.maxDays),
    };
  }

  /**
   * Lets `grantee` (the api function) create and delete schedules in this group only, and pass
   * the scheduler role, to Scheduler only.
   */
  grantScheduling(grantee: HeraldFunction): void {
    iam.Grant.addToPrincipal({
      grantee: grantee.fn,
      actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
      resourceArns: [this.schedulesArn],
    });
    grantee.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    Validations.of(grantee.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${Stack.of(this).getLogicalId(this.group)}>/*]`,
      reason:
        "Each notification due beyond the SQS delay horizon gets its own schedule named after its id (herald-<uuid>), so Create/DeleteSchedule cannot name the schedule in advance; the scope is every schedule of Herald's own group and nothing else.",
    });
  }
}
