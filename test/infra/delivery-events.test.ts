import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoWebhookStore } from '../../functions/adapters/dynamodb/webhook-store';
import {
  STREAM_RETRY_ATTEMPTS,
  WEBHOOK_ROUTING_ATTRIBUTES,
} from '../../lib/constructs/delivery-events';
import { buildStack, findFunction, grantsOf, logicalId, statementsOf } from './fixture';

const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });
const json = (value: unknown) => JSON.stringify(value);

describe('DeliveryEvents', () => {
  let template: Template;
  let table: string;
  beforeAll(() => {
    template = buildStack().template;
    table = logicalId(template, 'AWS::DynamoDB::Table', 'DataTable');
  });

  it('streams old and new images of the table', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('feeds the events function from the stream: delivery and webhook items only, bisect, retries, failure queue', () => {
    const events = findFunction(template, 'events');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: events.id },
      EventSourceArn: getAtt(table, 'StreamArn'),
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: STREAM_RETRY_ATTEMPTS,
      DestinationConfig: {
        OnFailure: {
          Destination: getAtt(logicalId(template, 'AWS::SQS::Queue', 'EventsStreamFailureQueue')),
        },
      },
      FilterCriteria: {
        Filters: [
          { Pattern: json({ dynamodb: { Keys: { sk: { S: [{ prefix: 'DELIVERY#' }] } } } }) },
          { Pattern: json({ dynamodb: { Keys: { sk: { S: [{ prefix: 'WEBHOOK#' }] } } } }) },
          // Recipient profiles (issue 18): recipient.address_changed, recipient.unsubscribed.
          // Workflow runs (issue 20): workflow.run.*, workflow.step.*.
          { Pattern: json({ dynamodb: { Keys: { sk: { S: ['RUN'] } } } }) },
          { Pattern: json({ dynamodb: { Keys: { sk: { S: ['PROFILE'] } } } }) },
          // Topic sends (issue 21): notification.fanout_completed.
          { Pattern: json({ dynamodb: { Keys: { sk: { S: ['FANOUT'] } } } }) },
        ],
      },
    });
  });

  it('names the topic herald-<stage>-events and refuses non-TLS publishers', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'herald-test-events' });
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    expect(json(policies)).toContain('aws:SecureTransport');
  });

  it('events function: Query of delivery states, webhook routing attributes only (no secrets), publish, enqueue', () => {
    const statements = statementsOf(template, 'events').filter((s) =>
      s.actions.some((a) => a.startsWith('dynamodb:Query')),
    );
    expect(statements.map((s) => s.condition)).toEqual([
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['NOTIF#*'] } },
      {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TENANT#*'] },
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': WEBHOOK_ROUTING_ATTRIBUTES },
        StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
      },
      // The runs waiting on a delivery (workflow bridge, lib/constructs/workflows.ts).
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['WFWAIT#*'] } },
    ]);
    expect(WEBHOOK_ROUTING_ATTRIBUTES).not.toContain('secret');
    const grants = grantsOf(template, 'events');
    const topic = logicalId(template, 'AWS::SNS::Topic', 'EventsTopic');
    expect(grants.filter((g) => g.action === 'sns:Publish').map((g) => g.resource)).toEqual([
      json({ Ref: topic }),
    ]);
    // The webhook queue, and the stream's on-failure destination (the event source mapping's).
    expect(
      grants
        .filter((g) => g.action === 'sqs:SendMessage')
        .map((g) => g.resource)
        .sort(),
    ).toEqual(
      ['EventsWebhookQueue', 'EventsStreamFailureQueue']
        .map((q) => json(getAtt(logicalId(template, 'AWS::SQS::Queue', q))))
        .sort(),
    );
    expect(grants.some((g) => ['dynamodb:PutItem', 'dynamodb:UpdateItem'].includes(g.action))).toBe(
      false,
    );
    // GetItem only of notification items: a topic send's fan-out state (issue 21).
    expect(grants.filter((g) => g.action === 'dynamodb:GetItem').map((g) => g.condition)).toEqual([
      JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['NOTIF#*'] } }),
    ]);
  });

  it('the routing query carries every condition the policy demands (Select, attributes, leading key)', async () => {
    type Condition = Record<string, Record<string, unknown>>;
    const routing = statementsOf(template, 'events').find(
      (s) =>
        (s.condition as Condition | undefined)?.StringEquals?.['dynamodb:Select'] !== undefined,
    );
    expect(routing?.actions).toEqual(['dynamodb:Query']);
    const request = await routingRequest();
    // The condition keys DynamoDB evaluates for this request, from the request as sent.
    const values = Object.values(request.ExpressionAttributeValues ?? {}) as Array<{ S?: string }>;
    const context: Record<string, string[] | undefined> = {
      'dynamodb:Select': request.Select === undefined ? undefined : [request.Select],
      'dynamodb:Attributes': Object.values(request.ExpressionAttributeNames ?? {}),
      'dynamodb:LeadingKeys': values.map((v) => v.S ?? '').filter((v) => v.startsWith('TENANT#')),
    };
    expect(unmet((routing?.condition ?? {}) as Condition, context)).toEqual([]);
  });

  it('webhook sender: its queue with partial batch responses; reads webhooks, writes attempt logs, sends to its queue and DLQ only', () => {
    const sender = findFunction(template, 'webhook-sender');
    const queue = logicalId(template, 'AWS::SQS::Queue', 'EventsWebhookQueue');
    const dlq = logicalId(template, 'AWS::SQS::Queue', 'EventsWebhookDeadLetterQueue');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: sender.id },
      EventSourceArn: getAtt(queue),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: getAtt(dlq), maxReceiveCount: 5 },
    });
    const dynamo = statementsOf(template, 'webhook-sender').filter((s) =>
      s.actions.some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo.map((s) => [s.actions, s.condition])).toEqual(
      [
        [
          ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TENANT#*'] } },
        ],
        [
          'dynamodb:PutItem',
          { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['WEBHOOK#*'] } },
        ],
      ].map(([a, c]) => [[a].flat(), c]),
    );
    const sends = grantsOf(template, 'webhook-sender').filter(
      (g) => g.action === 'sqs:SendMessage',
    );
    expect(sends.map((g) => g.resource).sort()).toEqual(
      [json(getAtt(queue)), json(getAtt(dlq))].sort(),
    );
    expect(grantsOf(template, 'webhook-sender').some((g) => g.action.startsWith('sns:'))).toBe(
      false,
    );
    expect(sender.props.Environment.Variables).toMatchObject({
      WEBHOOK_ALLOW_HTTP: 'false',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false',
    });
  });

  it('alarms on the webhook DLQ and on stream batches given up on', () => {
    for (const queue of ['EventsWebhookDeadLetterQueue', 'EventsStreamFailureQueue']) {
      const id = logicalId(template, 'AWS::SQS::Queue', queue);
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
        json(a.Properties.Dimensions ?? []).includes(id),
      );
      expect(alarms, queue).toHaveLength(1);
      expect(alarms[0]?.Properties).toMatchObject({
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it('puts webhook successes, failures and latency on the dashboard', () => {
    const body = json(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const metric of ['WebhookDelivered', 'WebhookFailed', 'WebhookLatency'])
      expect(body).toContain(metric);
  });
});

/** The Query the events function sends to route one tenant's events, as it goes on the wire. */
async function routingRequest(): Promise<{
  Select?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}> {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const sent: string[] = [];
  client.middlewareStack.add(
    (_next) => async (args) => {
      sent.push(String((args.request as { body?: unknown }).body));
      return { output: { Items: [], $metadata: {} }, response: {} } as never;
    },
    { step: 'build', name: 'captureRequest' },
  );
  await new DynamoWebhookStore(DynamoDBDocumentClient.from(client), 'table').listRouting('acme');
  expect(sent).toHaveLength(1);
  return JSON.parse(sent[0] ?? '{}');
}

/**
 * The conditions of an Allow statement that a request with these condition-key values does not
 * meet (IAM semantics for the operators used here: a plain operator needs the key present; a
 * `ForAllValues:` operator holds when every value matches one of the listed ones).
 */
function unmet(
  condition: Record<string, Record<string, unknown>>,
  context: Record<string, string[] | undefined>,
): string[] {
  const like = (value: string, pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(
      value,
    );
  const failures: string[] = [];
  for (const [operator, keys] of Object.entries(condition)) {
    const forAll = operator.startsWith('ForAllValues:');
    const test = operator.endsWith('StringLike') ? like : (a: string, b: string) => a === b;
    for (const [key, expected] of Object.entries(keys)) {
      const allowed = ([] as string[]).concat(expected as string | string[]);
      const actual = context[key];
      const met = forAll
        ? (actual ?? []).every((v) => allowed.some((a) => test(v, a)))
        : (actual?.some((v) => allowed.some((a) => test(v, a))) ?? false);
      if (!met) failures.push(`${operator} ${key}: ${JSON.stringify(actual)}`);
    }
  }
  return failures;
}
