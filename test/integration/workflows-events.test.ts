import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// workflow.run.* and workflow.step.* events on the events topic, from the run's recorded changes.

let stack: LocalStack;
let sqs: SQSClient;
let sns: SNSClient;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  const client = {
    region: 'us-east-1',
    endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  sqs = new SQSClient(client);
  sns = new SNSClient({ ...client, endpoint: stack.env.AWS_ENDPOINT_URL_SNS });
});
afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await stack?.stop();
});

it('publishes a run started, each step decision, and the run completed', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'workflow-events' }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: stack.events.topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes?.QueueArn,
      Attributes: {
        FilterPolicy: JSON.stringify({ type: [{ prefix: 'workflow.' }] }),
        RawMessageDelivery: 'true',
      },
    }),
  );
  const api = apiClient(stack);
  await api.request('PUT', '/v1/workflows/evented', {
    steps: [
      { id: 'hello', type: 'send', channels: ['slack'], content: { slack: { text: 'hello' } } },
    ],
  });
  await api.post('/v1/workflows/evented/publish', {});
  const trigger = await api.post('/v1/workflows/evented/trigger', {
    to: [{ id: 'ops', slack: '#ops' }],
  });
  const runId = (trigger.body.runs as { id: string }[])[0]?.id;
  const events: Array<{ type: string; runId: string; step?: { id: string; decision: string } }> =
    [];
  await waitFor(
    async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const m of Messages ?? []) events.push(JSON.parse(m.Body ?? '{}'));
      return events.some((e) => e.type === 'workflow.run.completed') ? true : undefined;
    },
    15_000,
    'workflow.run.completed',
  );
  const mine = events.filter((e) => e.runId === runId);
  expect(mine.map((e) => e.type)).toEqual(
    expect.arrayContaining([
      'workflow.run.started',
      'workflow.step.completed',
      'workflow.run.completed',
    ]),
  );
  expect(mine.find((e) => e.type === 'workflow.step.completed')?.step).toMatchObject({
    id: 'hello',
    decision: 'sent',
  });
});
