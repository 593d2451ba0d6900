import { CfnOutput, type Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { HeraldConfig } from '../config';
import type { HeraldApi } from './api';
import type { HeraldDashboard } from './dashboard';
import type { DeadLetterReplay } from './dead-letter-replay';
import type { DeliveryEvents } from './delivery-events';
import type { ProviderSecrets } from './provider-secrets';
import type { Scheduling } from './scheduling';
import { capitalize } from './senders';

/** What the stack's outputs point at. */
export interface OutputsProps {
  readonly config: HeraldConfig;
  readonly api: HeraldApi;
  readonly dashboard: HeraldDashboard;
  readonly table: dynamodb.ITable;
  readonly alarmTopic: sns.ITopic;
  readonly events: DeliveryEvents;
  readonly scheduling: Scheduling;
  readonly deadLetters: DeadLetterReplay;
  readonly secrets: ProviderSecrets;
}

/** The stack outputs operators, the CLIs (keys, dlq) and docs/deploy.md read after a deploy. */
export function addOutputs(stack: Stack, props: OutputsProps): void {
  const { config, api, dashboard, table, events, scheduling, deadLetters, secrets } = props;
  new CfnOutput(stack, 'ApiUrl', { value: api.url, description: 'Base URL of the Herald API' });
  new CfnOutput(stack, 'ConsoleUrl', {
    value: `${api.url}console`,
    description: 'Operator console (loads without a key; paste one to use it)',
  });
  new CfnOutput(stack, 'UsagePlanId', {
    value: api.usagePlan.usagePlanId,
    description: 'Default per-tenant usage plan (npm run keys -- create adds tenants to it)',
  });
  new CfnOutput(stack, 'ApiStage', { value: config.stage, description: 'Stage of the REST API' });
  new CfnOutput(stack, 'RestApiId', {
    value: api.api.restApiId,
    description: 'REST API id (usage plans: --api-stages apiId=<this>,stage=<stage>)',
  });
  new CfnOutput(stack, 'DashboardUrl', { value: dashboard.url });
  new CfnOutput(stack, 'TableName', {
    value: table.tableName,
    description: 'npm run keys -- create --tenant <id> --table <this>',
  });
  new CfnOutput(stack, 'AlarmTopicArn', { value: props.alarmTopic.topicArn });
  new CfnOutput(stack, 'EventsTopicArn', {
    value: events.topic.topicArn,
    description:
      'Delivery events; subscribe with a filter policy on tenantId, channel, status, type',
  });
  new CfnOutput(stack, 'WebhookDeadLetterQueueUrl', {
    value: events.webhookDeadLetterQueue.queueUrl,
    description: 'Webhook messages whose retries ran out (body: the message, with the event)',
  });
  new CfnOutput(stack, 'ScheduleGroupName', {
    value: scheduling.group.ref,
    description: 'EventBridge Scheduler group of the one-time release schedules',
  });
  new CfnOutput(stack, 'QueueUrls', {
    value: deadLetters.queueUrlsJson,
    description: 'Every queue URL by variable name, JSON: npm run dlq reads it',
  });
  new CfnOutput(stack, 'ScheduleDeadLetterQueueUrl', {
    value: scheduling.deadLetterQueue.queueUrl,
    description: 'Failed scheduled releases, body { notificationId } (docs/deploy.md)',
  });
  new CfnOutput(stack, 'ReleaseFunctionName', {
    value: scheduling.releaseFunction.fn.functionName,
    description: 'Re-invoke with { "notificationId": "<id>" } to release a notification by hand',
  });
  for (const [provider, secret] of Object.entries(secrets.secrets)) {
    new CfnOutput(stack, `${capitalize(provider)}SecretName`, {
      value: secret.secretName,
      description: `Fill with: aws secretsmanager put-secret-value --secret-id <this> (docs/deploy.md)`,
    });
  }
}
