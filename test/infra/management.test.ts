import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MANAGE_SLOW_MS } from '../../lib/constructs/management';
import { buildStack, findFunction, grantsOf, logicalId } from './fixture';
import { expectFunctionMonitoring } from './function-monitoring';

// The manage function in the synthesized stack: the grants only the management routes use are
// its own, and the api function (the send and read path) no longer holds them.

/** The actions a function may take on items whose partition key matches `pattern`. */
const onItems = (grants: ReturnType<typeof grantsOf>, pattern: string) =>
  [
    ...new Set(grants.filter((g) => g.condition?.includes(`"${pattern}"`)).map((g) => g.action)),
  ].sort();

describe('manage function', () => {
  let template: Template;
  let api: ReturnType<typeof grantsOf>;
  let manage: ReturnType<typeof grantsOf>;
  beforeAll(() => {
    template = buildStack().template;
    api = grantsOf(template, 'api');
    manage = grantsOf(template, 'manage');
  });

  it('holds the management writes the api function no longer has', () => {
    // Recipients: the api upserts inline profiles of a send and reads profiles and categories;
    // listing (the index), deletes and category edits are the manage function's.
    expect(onItems(api, 'RCP#*')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    expect(onItems(manage, 'RCP#*')).toEqual(
      expect.arrayContaining(['dynamodb:DeleteItem', 'dynamodb:UpdateItem']),
    );
    expect(onItems(api, 'RADDR#*')).toEqual(['dynamodb:BatchWriteItem']);
    expect(onItems(api, 'CAT#*')).toEqual(['dynamodb:GetItem']);
    expect(onItems(manage, 'CAT#*')).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:DeleteItem']),
    );
    expect(api.filter((g) => g.resource.includes('/index/recipients'))).toEqual([]);
    expect(manage.filter((g) => g.resource.includes('/index/recipients')).length).toBe(1);
    // The suppression list: the api only reads it (to mark upserted profiles).
    expect(onItems(api, 'SUPP#*')).toEqual(['dynamodb:BatchGetItem']);
    expect(onItems(manage, 'SUPP#*')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    // Webhooks: the tenant's webhook items and attempt logs.
    expect(onItems(api, 'WEBHOOK#*')).toEqual([]);
    expect(onItems(manage, 'WEBHOOK#*')).toEqual(['dynamodb:Query']);
    // Topics: the api reads the topic a send names; subscriptions are managed elsewhere.
    expect(onItems(api, 'TOPIC#*')).toEqual(['dynamodb:GetItem']);
    expect(onItems(api, 'TSUB#*')).toEqual([]);
    expect(onItems(api, 'RTOP#*')).toEqual([]);
    expect(onItems(manage, 'TSUB#*')).toEqual(
      expect.arrayContaining(['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem']),
    );
    // Providers: the api reads records (email identities, Slack allow-list) and writes none.
    expect(onItems(api, 'PROVIDERS#*')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(onItems(manage, 'PROVIDERS#*')).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:DeleteItem']),
    );
    expect(onItems(api, 'SESIDENTITY#*')).toEqual([]);
    expect(onItems(api, 'RATE#*')).toEqual([]);
    // Workflows: the api creates and starts runs (routing shorthand); definitions, waits,
    // triggers and listing are the manage function's.
    expect(onItems(api, 'WFRUN#*')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(onItems(api, 'WFRUNS#*')).toEqual(['dynamodb:BatchWriteItem']);
    expect(onItems(api, 'WFCANCEL#*')).toEqual(['dynamodb:BatchWriteItem']);
    for (const pattern of ['WF#*', 'WFWAIT#*', 'WFTRIG#*', 'WFTRIGKEY#*'])
      expect([pattern, onItems(api, pattern)]).toEqual([pattern, []]);
    expect(onItems(manage, 'WF#*')).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query']),
    );
  });

  it('holds the secrets, dead letters, webhook queue and provider calls; the api none of them', () => {
    const services = (grants: ReturnType<typeof grantsOf>) =>
      [...new Set(grants.map((g) => g.action.split(':')[0]))].sort();
    // api: table, lanes, schedules (+ PassRole), starting runs, logs, tracing.
    expect(services(api)).toEqual([
      'dynamodb',
      'iam',
      'lambda',
      'logs',
      'scheduler',
      'sqs',
      'xray',
    ]);
    expect(services(manage)).toEqual(
      expect.arrayContaining(['secretsmanager', 'ses', 'sts', 'lambda', 'sqs', 'dynamodb']),
    );
    expect(services(manage)).not.toContain('scheduler');
    // The api only sends to queues: it receives from none (the DLQ routes are not its own).
    expect(
      api.filter((g) => g.action.startsWith('sqs:') && g.action !== 'sqs:SendMessage'),
    ).toEqual([]);
    const webhookQueue = logicalId(template, 'AWS::SQS::Queue', 'EventsWebhookQueue');
    expect(api.filter((g) => g.resource.includes(webhookQueue))).toEqual([]);
    expect(manage.filter((g) => g.resource.includes(webhookQueue)).map((g) => g.action)).toEqual([
      'sqs:SendMessage',
    ]);
    const fanout = logicalId(template, 'AWS::SQS::Queue', 'TopicsFanoutQueue');
    expect(api.filter((g) => g.resource.includes(fanout)).map((g) => g.action)).toEqual([
      'sqs:SendMessage',
    ]);
    expect(manage.filter((g) => g.resource.includes(fanout))).toEqual([]);
    const dlqActions = (grants: ReturnType<typeof grantsOf>) =>
      grants.filter((g) => g.action === 'sqs:ReceiveMessage').length;
    expect(dlqActions(manage)).toBeGreaterThan(0);
  });

  it('is told the DLQs, the webhook queue, the Twilio callback URL and secret; the api is not', () => {
    const apiEnv = findFunction(template, 'api').props.Environment.Variables;
    const manageEnv = findFunction(template, 'manage').props.Environment.Variables;
    for (const name of [
      'WEBHOOK_QUEUE_URL',
      'TWILIO_SECRET_ID',
      'TWILIO_STATUS_CALLBACK_URL',
      'UNSUBSCRIBE_SECRET_ID',
      'SCHEDULE_DLQ_URL',
    ]) {
      expect([name, name in apiEnv]).toEqual([name, false]);
      expect([name, name in manageEnv]).toEqual([name, true]);
    }
    // Both start workflow runs and read tenants' providers.
    for (const name of ['WORKFLOW_FUNCTION_NAME', 'TENANT_SECRET_PREFIX', 'TABLE_NAME'])
      expect([name, name in apiEnv, name in manageEnv]).toEqual([name, true, true]);
  });

  it('alarms on its error rate, throttles and slow p99 duration, and shows it on the dashboard', () => {
    const { dashboard } = expectFunctionMonitoring(template, 'manage', MANAGE_SLOW_MS);
    expect(dashboard).toContain('## Management routes');
    expect(dashboard).toContain('manage: errors / throttles');
  });
});
