import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type LocalStack, startLocalStack } from '../local/stack';

/*
 * `npm run bench events`: delivery events through the local stack. The events function and the
 * webhook sender run in this process (the channel functions on the Lambda thread); SNS calls are
 * counted at SNSClient.send, events at a raw SQS subscription of the topic, webhook deliveries at
 * a real HTTP receiver.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
};
const line = (label: string, value: string) => console.log(`  ${label.padEnd(58)} ${value}`);
const ms = (v: number) => `${v.toFixed(1)} ms`;

const REQUESTS = 20;
const RECIPIENTS = 50;

export async function benchEvents(): Promise<void> {
  const snsCalls: Record<string, number> = {};
  const send = SNSClient.prototype.send;
  SNSClient.prototype.send = function (
    this: SNSClient,
    command: { constructor: { name: string } },
    ...rest: unknown[]
  ) {
    const name = command.constructor.name.replace(/Command$/, '');
    snsCalls[name] = (snsCalls[name] ?? 0) + 1;
    return (send as (...args: unknown[]) => unknown).call(this, command, ...rest);
  } as typeof send;

  const received: Array<{ id: string; at: number; occurredAt: number }> = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        id: string;
        occurredAt: string;
      };
      received.push({ id: event.id, at: Date.now(), occurredAt: Date.parse(event.occurredAt) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  let stack: LocalStack | undefined;
  try {
    stack = await startLocalStack({ port: 0, log: () => undefined, pollersPerChannel: 3 });
    const client = {
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    const sqs = new SQSClient({ ...client, endpoint: stack.env.AWS_ENDPOINT_URL_SQS });
    const sns = new SNSClient({ ...client, endpoint: stack.env.AWS_ENDPOINT_URL_SNS });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-all-events' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn: stack.events.topicArn,
        Protocol: 'sqs',
        Endpoint: Attributes?.QueueArn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    const headers = {
      authorization: `Bearer ${stack.devApiKey}`,
      'content-type': 'application/json',
    };
    const created = await fetch(`${stack.url}/v1/webhooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: receiverUrl }),
    });
    if (created.status !== 201) throw new Error(`webhook create answered ${created.status}`);

    console.log(
      `\nEvents: ${REQUESTS} requests x ${RECIPIENTS} sms recipients, one webhook (default events), one topic subscriber`,
    );
    await stack.events.pipeline.stream.drained();
    for (const key of Object.keys(snsCalls)) delete snsCalls[key];
    const before = stack.events.pipeline.stream.stats();
    for (let r = 0; r < REQUESTS; r++) {
      const to = Array.from(
        { length: RECIPIENTS },
        (_, i) => `+1415${String(5_000_000 + r * 1_000 + i).padStart(7, '0')}`,
      );
      const answer = await fetch(`${stack.url}/v1/notifications`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ channels: { sms: { to, text: 'bench' } } }),
      });
      if (answer.status !== 202) throw new Error(`ingest answered ${answer.status}`);
    }
    const deliveries = REQUESTS * RECIPIENTS;
    // One delivery event each, plus one completion per notification.
    const expected = deliveries + REQUESTS;
    const deadline = Date.now() + 120_000;
    while (new Set(received.map((r) => r.id)).size < expected && Date.now() < deadline) {
      await sleep(100);
    }
    await stack.events.pipeline.stream.drained();
    const topicEvents = new Set<string>();
    for (let empty = 0; empty < 3; ) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      if (!Messages?.length) empty += 1;
      for (const m of Messages ?? [])
        topicEvents.add((JSON.parse(m.Body ?? '{}') as { id: string }).id);
    }
    const after = stack.events.pipeline.stream.stats();
    const unique = new Set(received.map((r) => r.id));
    const latencies = received.map((r) => r.at - r.occurredAt);
    const first = Math.min(...received.map((r) => r.at));
    const last = Math.max(...received.map((r) => r.at));
    line(
      'events on the topic per delivery (incl. notification.completed)',
      (topicEvents.size / deliveries).toFixed(3),
    );
    line(
      'SNS requests per delivery (PublishBatch, 10 events per call max)',
      ((snsCalls.PublishBatch ?? 0) / deliveries).toFixed(3),
    );
    line(
      'stream records handed to the events function per delivery',
      ((after.records - before.records) / deliveries).toFixed(3),
    );
    line(
      'events function invocations / batch retries (local stream)',
      `${after.invocations - before.invocations} / ${after.retries - before.retries}`,
    );
    line('webhook deliveries received (unique / total)', `${unique.size} / ${received.length}`);
    line(
      'webhook deliveries/s through the local stack',
      `${(received.length / ((last - first) / 1000)).toFixed(0)}/s`,
    );
    line(
      'under load: status write -> webhook received p50 / p99',
      `${ms(percentile(latencies, 50))} / ${ms(percentile(latencies, 99))}`,
    );

    // Idle pipeline: one notification at a time, each waited for.
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) {
      const seen = received.length;
      const answer = await fetch(`${stack.url}/v1/notifications`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          channels: { sms: { to: [`+1415600${String(i).padStart(4, '0')}`], text: 'idle' } },
        }),
      });
      if (answer.status !== 202) throw new Error(`ingest answered ${answer.status}`);
      const until = Date.now() + 10_000;
      while (received.length < seen + 2 && Date.now() < until) await sleep(5);
      const got = received.slice(seen);
      for (const r of got) idle.push(r.at - r.occurredAt);
    }
    line(
      'one at a time: status write -> webhook received p50 / p99',
      `${ms(percentile(idle, 50))} / ${ms(percentile(idle, 99))}`,
    );
    sqs.destroy();
    sns.destroy();
  } finally {
    SNSClient.prototype.send = send;
    await stack?.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
}
