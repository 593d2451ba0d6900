import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, findFunction, grantsOf, logicalId, methodsByRoute } from './fixture';

// Workflows in the synthesized stack: the workflow function on Lambda durable functions, the
// callback path from the events function, least-privilege grants, routes, alarms on failed runs.

describe('workflows', () => {
  let template: Template;
  beforeAll(() => {
    template = buildStack().template;
  });

  it('runs the workflow function as a durable function that may wait a year', () => {
    const { props } = findFunction(template, 'workflow');
    expect(props.DurableConfig).toEqual({
      ExecutionTimeout: 366 * 86_400,
      RetentionPeriodInDays: 14,
    });
    const aliases = Object.values(template.findResources('AWS::Lambda::Alias'));
    expect(aliases.some((a) => a.Properties.Name === 'live')).toBe(true);
  });

  it('lets the workflow function checkpoint only itself, and complete only its own callbacks', () => {
    const grants = grantsOf(template, 'workflow');
    const fnId = findFunction(template, 'workflow').id;
    for (const action of [
      'lambda:CheckpointDurableExecution',
      'lambda:GetDurableExecutionState',
      'lambda:SendDurableExecutionCallbackSuccess',
    ]) {
      const on = grants.filter((g) => g.action === action);
      expect(on.length, action).toBeGreaterThan(0);
      for (const g of on) expect(g.resource, action).toContain(fnId);
    }
    // Its table access is by item pattern, never the whole table.
    const onData = grants.filter(
      (x) => x.action.startsWith('dynamodb:') && x.resource.includes('DataTable'),
    );
    expect(onData.length).toBeGreaterThan(0);
    for (const g of onData) expect(g.condition, g.action).toContain('LeadingKeys');
    // Template sends to recipient ids: reads templates, profiles and categories, writes none.
    for (const items of ['TEMPLATE#', 'RCP#', 'CAT#']) {
      const on = onData.filter((g) => (g.condition ?? '').includes(items));
      expect(on.map((g) => g.action).sort(), items).toEqual(
        items === 'RCP#' ? ['dynamodb:BatchGetItem', 'dynamodb:GetItem'] : ['dynamodb:GetItem'],
      );
    }
  });

  it('gives the events function the callback path: find a waiting run, complete its callback', () => {
    const grants = grantsOf(template, 'events');
    const fnId = findFunction(template, 'workflow').id;
    expect(
      grants
        .filter((g) => g.action === 'lambda:SendDurableExecutionCallbackSuccess')
        .every((g) => g.resource.includes(fnId)),
    ).toBe(true);
    expect(grants.some((g) => g.action === 'lambda:SendDurableExecutionCallbackSuccess')).toBe(
      true,
    );
    const waits = grants
      .filter((g) => g.condition?.includes('WFWAIT#*'))
      .map((g) => g.action)
      .sort();
    expect(waits).toEqual(['dynamodb:DeleteItem', 'dynamodb:Query']);
    // The stream passes run items to it (workflow events), not only deliveries.
    const patterns = Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping'),
    ).flatMap((m) =>
      (m.Properties.FilterCriteria?.Filters ?? []).map((f: { Pattern: string }) =>
        JSON.parse(f.Pattern),
      ),
    );
    expect(patterns).toContainEqual({ dynamodb: { Keys: { sk: { S: ['RUN'] } } } });
  });

  it('lets the api start runs on the alias only', () => {
    const invokes = grantsOf(template, 'api').filter((g) => g.action === 'lambda:InvokeFunction');
    expect(invokes.length).toBeGreaterThan(0);
    for (const g of invokes) expect(g.resource).toMatch(/Live|:live/);
  });

  it('serves every workflow route through the manage function behind the authorizer', () => {
    const apiFn = findFunction(template, 'manage').id;
    const routes = [...methodsByRoute(template)].filter(([route]) =>
      route.includes('/v1/workflow'),
    );
    expect(routes.map(([route]) => route).sort()).toEqual([
      'DELETE /v1/workflow-runs',
      'DELETE /v1/workflow-runs/{id}',
      'GET /v1/workflow-runs',
      'GET /v1/workflow-runs/{id}',
      'GET /v1/workflow-triggers/{id}',
      'GET /v1/workflows',
      'GET /v1/workflows/{key}',
      'POST /v1/workflows/{key}/publish',
      'POST /v1/workflows/{key}/trigger',
      'PUT /v1/workflows/{key}',
    ]);
    for (const [route, method] of routes) {
      expect(method.AuthorizationType, route).toBe('CUSTOM');
      expect(JSON.stringify(method.Integration), route).toContain(apiFn);
    }
  });

  it('drives triggers to a topic from a queue with a DLQ, one page per invocation', () => {
    const fn = findFunction(template, 'workflow-trigger');
    const queue = logicalId(template, 'AWS::SQS::Queue', 'WorkflowsTriggersQueue');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fn.id },
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const props = template.findResources('AWS::SQS::Queue')[queue]?.Properties;
    expect(props.RedrivePolicy.maxReceiveCount).toBe(5);
    expect(fn.props.Environment.Variables).toMatchObject({ WORKFLOW_TRIGGER_PAGE_SIZE: '250' });
    expect(JSON.stringify(fn.props.Environment.Variables.WORKFLOW_FUNCTION_NAME)).toMatch(/Live/);
  });

  it('trigger function: reads subscribers, writes runs and its checkpoint by item pattern, starts runs on the alias only', () => {
    const grants = grantsOf(template, 'workflow-trigger');
    const on = (prefix: string) =>
      grants
        .filter((g) => g.condition?.includes(`"${prefix}*"`))
        .map((g) => g.action)
        .sort();
    expect(on('TSUB#')).toEqual(['dynamodb:Query']);
    expect(on('WFTRIG#')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(on('WFRUN#')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    // The index entries of its runs in BatchWriteItems, on those two item patterns only.
    expect(on('WFCANCEL#')).toEqual(['dynamodb:BatchWriteItem']);
    expect(on('WFRUNS#')).toEqual(['dynamodb:BatchWriteItem']);
    expect(
      grants.filter((g) => g.action === 'dynamodb:BatchWriteItem').map((g) => g.condition ?? ''),
    ).toEqual([expect.stringContaining('WFRUNS#'), expect.stringContaining('WFCANCEL#')]);
    const onData = grants.filter(
      (g) => g.action.startsWith('dynamodb:') && g.resource.includes('DataTable'),
    );
    for (const g of onData) expect(g.condition, g.action).toContain('LeadingKeys');
    expect(grants.some((g) => /^dynamodb:(Scan|DeleteTable)/.test(g.action))).toBe(false);
    const invokes = grants.filter((g) => g.action === 'lambda:InvokeFunction');
    expect(invokes.length).toBeGreaterThan(0);
    for (const g of invokes) expect(g.resource).toMatch(/Live|:live/);
    const sends = grants.filter((g) => g.action === 'sqs:SendMessage').map((g) => g.resource);
    const queue = logicalId(template, 'AWS::SQS::Queue', 'WorkflowsTriggersQueue');
    expect(sends).toEqual([JSON.stringify({ 'Fn::GetAtt': [queue, 'Arn'] })]);
    // The manage function records triggers and cancels them by key (the api function never
    // does); the trigger function never touches the key index.
    const keys = (name: string) =>
      grantsOf(template, name).filter((g) => g.condition?.includes('"WFTRIGKEY#*"'));
    expect(
      keys('manage')
        .map((g) => g.action)
        .sort(),
    ).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
    expect(keys('api')).toEqual([]);
    expect(on('WFTRIGKEY#')).toEqual([]);
  });

  it('lets the reconciler re-send the page of a stalled trigger: the WFTRIG#OPEN index partition and the queue', () => {
    const grants = grantsOf(template, 'reconcile');
    const queue = logicalId(template, 'AWS::SQS::Queue', 'WorkflowsTriggersQueue');
    expect(grants.map((g) => g.resource)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [queue, 'Arn'] }),
    );
    const onIndex = grants.filter((g) => g.condition?.includes('WFTRIG#OPEN'));
    expect(onIndex.map((g) => g.action)).toEqual(['dynamodb:Query']);
    expect(onIndex[0]?.resource).toContain('/index/reconcile');
  });

  it('alarms to the alarm topic when a run ends failed', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const failed = alarms.find((a) => a.Properties.MetricName === 'WorkflowRunsFailed');
    expect(failed?.Properties.Threshold).toBe(1);
    expect(failed?.Properties.AlarmActions).toHaveLength(1);
  });
});
