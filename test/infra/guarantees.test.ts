import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../functions/core/notifications/model';
import { buildStack, findFunction, logicalId } from './fixture';

// Delivery guarantees in the template: the idempotency table, and what the api function and
// `npm run dlq` need to find the dead-letter queues.

let template: Template;
beforeAll(() => {
  template = buildStack().template;
});

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

describe('IdempotencyTable', () => {
  it('is its own on-demand table keyed by id with TTL on expiration, named to the api function', () => {
    const id = logicalId(template, 'AWS::DynamoDB::Table', 'IdempotencyTable');
    const table = template.findResources('AWS::DynamoDB::Table')[id]?.Properties;
    expect(table).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    const api = findFunction(template, 'api').props;
    expect(api.Environment.Variables.IDEMPOTENCY_TABLE_NAME).toEqual({ Ref: id });
  });
});

describe('dead-letter queues for replay', () => {
  it('names every DLQ to the manage function (DLQ_URL_<CHANNEL>, SCHEDULE_DLQ_URL), not to the api', () => {
    const variables = findFunction(template, 'manage').props.Environment.Variables;
    const api = findFunction(template, 'api').props.Environment.Variables;
    expect(Object.keys(api).filter((name) => name.includes('DLQ_URL'))).toEqual([]);
    for (const channel of CHANNELS) {
      const dlq = logicalId(
        template,
        'AWS::SQS::Queue',
        `${capital(channel)}SenderDeadLetterQueue`,
      );
      expect(variables[`DLQ_URL_${channel.toUpperCase()}`], channel).toEqual({ Ref: dlq });
    }
    const schedule = logicalId(template, 'AWS::SQS::Queue', 'SchedulingDeadLetterQueue');
    expect(variables.SCHEDULE_DLQ_URL).toEqual({ Ref: schedule });
  });

  it('outputs every queue URL by variable name for npm run dlq', () => {
    const output = template.findOutputs('QueueUrls').QueueUrls;
    const text = JSON.stringify(output?.Value);
    for (const channel of CHANNELS) {
      const upper = channel.toUpperCase();
      for (const name of [`QUEUE_URL_${upper}`, `HIGH_QUEUE_URL_${upper}`, `DLQ_URL_${upper}`]) {
        expect(text).toContain(name);
      }
    }
    expect(text).toContain('SCHEDULE_DLQ_URL');
  });
});
