import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, findFunction, grantsOf, logicalId, methodsByRoute } from './fixture';

// Topics in the template: their routes behind the authorizer, and grants on topic items that
// only the functions using them get.

let template: Template;
beforeAll(() => {
  template = buildStack().template;
});

const onTopicItems = (condition: string | undefined) =>
  /TOPIC#\*|TSUB#\*|RTOP#\*/.test(condition ?? '');

describe('topics', () => {
  it('serves the topic routes through the authorizer', () => {
    const routes = [...methodsByRoute(template)].filter(([route]) => route.includes(' /v1/topics'));
    expect(routes.map(([route]) => route).sort()).toEqual(
      [
        'GET /v1/topics',
        'PUT /v1/topics/{key}',
        'GET /v1/topics/{key}/subscribers',
        'POST /v1/topics/{key}/subscribers',
        'DELETE /v1/topics/{key}/subscribers/{id}',
      ].sort(),
    );
    for (const [, method] of routes) expect(method.AuthorizationType).toBe('CUSTOM');
  });

  it('manage function: topic items by partition only, no scan, no other table; the api reads topics only', () => {
    const send = grantsOf(template, 'api').filter((g) => onTopicItems(g.condition));
    expect(send.map((g) => [g.action, g.condition?.includes('TOPIC#*')])).toEqual([
      ['dynamodb:GetItem', true],
    ]);
    const grants = grantsOf(template, 'manage').filter((g) => onTopicItems(g.condition));
    const byKeys = (prefix: string) =>
      grants
        .filter((g) => g.condition?.includes(prefix))
        .map((g) => g.action)
        .sort();
    expect(byKeys('TOPIC#*')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    for (const prefix of ['TSUB#*', 'RTOP#*']) {
      expect(byKeys(prefix), prefix).toEqual([
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
      ]);
    }
    expect(grants.some((g) => g.action === 'dynamodb:Scan')).toBe(false);
  });

  it('gives no sender or the authorizer anything of topics', () => {
    for (const name of ['authorizer', 'send-email', 'send-sms', 'feedback', 'events']) {
      const topical = grantsOf(template, name).filter((g) => onTopicItems(g.condition));
      expect(topical, name).toEqual([]);
    }
  });
});

describe('fan-out', () => {
  it('a queue with a DLQ drives the fan-out function one page at a time', () => {
    const fn = findFunction(template, 'fan-out');
    const queue = logicalId(template, 'AWS::SQS::Queue', 'TopicsFanoutQueue');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fn.id },
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const props = template.findResources('AWS::SQS::Queue')[queue]?.Properties;
    expect(props.RedrivePolicy.maxReceiveCount).toBe(5);
    expect(fn.props.Environment.Variables).toMatchObject({ FANOUT_PAGE_SIZE: '1000' });
  });

  it('fan-out: notification items, subscriber reads, profile and category reads, the lanes and its own queue', () => {
    const grants = grantsOf(template, 'fan-out');
    const keys = (action: string) =>
      grants
        .filter((g) => g.action === action)
        .map((g) => g.condition)
        .sort();
    const on = (prefix: string) =>
      JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [prefix] } });
    expect(keys('dynamodb:PutItem')).toEqual([on('NOTIF#*')]);
    expect(keys('dynamodb:UpdateItem')).toEqual([on('NOTIF#*')]);
    expect(keys('dynamodb:Query')).toEqual([on('NOTIF#*'), on('TSUB#*')].sort());
    expect(keys('dynamodb:BatchGetItem')).toEqual([on('RCP#*')]);
    expect(keys('dynamodb:GetItem')).toEqual([on('CAT#*'), on('NOTIF#*')].sort());
    expect(grants.some((g) => /^dynamodb:(Delete|BatchWrite|Scan)/.test(g.action))).toBe(false);
    const sends = grants.filter((g) => g.action === 'sqs:SendMessage').map((g) => g.resource);
    expect(sends).toHaveLength(2 * 6 + 1);
    expect(sends).toContain(
      JSON.stringify({
        'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'TopicsFanoutQueue'), 'Arn'],
      }),
    );
  });

  it('the reconciler may re-send a stalled page: the FANOUT#OPEN index partition and the queue', () => {
    const grants = grantsOf(template, 'reconcile');
    const queue = logicalId(template, 'AWS::SQS::Queue', 'TopicsFanoutQueue');
    expect(grants.map((g) => g.resource)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [queue, 'Arn'] }),
    );
    expect(grants.some((g) => g.condition?.includes('FANOUT#OPEN'))).toBe(true);
  });
});
