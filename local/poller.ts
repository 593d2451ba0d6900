import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { createLambdaContext, type LambdaHandler } from './emulators/lambda';

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  /** Name in the fake Lambda context, e.g. `herald-send-email`. */
  functionName: string;
  /**
   * One handler per concurrent receive loop, each from its own import of the handler file: Lambda
   * never runs two invocations at once in one execution environment, and handlers keep
   * per-invocation state (logger keys, metric dimensions) at module scope.
   */
  environments: Array<LambdaHandler<SQSEvent, SQSBatchResponse | undefined>>;
  log: (line: string) => void;
}

/** A running poller. */
export interface Poller {
  /** Stop receiving, wait for batches in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Feeds a channel handler the way Lambda's SQS event source does: batches of up to 10, partial
 * batch responses (only records not in `batchItemFailures` are deleted), nothing deleted when
 * the handler throws, so SQS retries and eventually redrives to the DLQ.
 */
export function startPoller(options: PollerOptions): Poller {
  const abort = new AbortController();
  const loops = options.environments.map((handler) => loop(options, handler, abort.signal));
  return {
    async stop() {
      abort.abort();
      await Promise.all(loops);
    },
  };
}

type ChannelHandler = PollerOptions['environments'][number];

async function loop(
  options: PollerOptions,
  handler: ChannelHandler,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    let messages: Message[];
    try {
      const received = await options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 20,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: signal },
      );
      messages = received.Messages ?? [];
    } catch (error) {
      if (signal.aborted) return;
      options.log(`[poller ${options.functionName}] receive failed: ${describe(error)}`);
      await sleep(500, signal);
      continue;
    }
    if (messages.length === 0) continue;
    // A batch already received is always handed to the handler, even while stopping:
    // abandoning it would only make the messages reappear after the visibility timeout.
    await invoke(options, handler, messages);
  }
}

async function invoke(
  options: PollerOptions,
  handler: ChannelHandler,
  messages: Message[],
): Promise<void> {
  const event: SQSEvent = { Records: messages.map((m) => toRecord(m, options)) };
  let response: SQSBatchResponse | undefined;
  try {
    response = await handler(event, createLambdaContext(options.functionName, options.region));
  } catch (error) {
    options.log(
      `[${options.functionName}] handler threw, batch left for retry: ${describe(error)}`,
    );
    return;
  }
  const failed = new Set<string>();
  for (const item of response?.batchItemFailures ?? []) {
    // Lambda treats an empty or unknown identifier as a failure of the whole batch.
    if (!item.itemIdentifier || !messages.some((m) => m.MessageId === item.itemIdentifier)) {
      options.log(
        `[${options.functionName}] invalid batchItemFailures identifier ${JSON.stringify(item.itemIdentifier)}: whole batch left for retry`,
      );
      return;
    }
    failed.add(item.itemIdentifier);
  }
  const done = messages.filter((m) => m.MessageId && !failed.has(m.MessageId));
  if (done.length === 0) return;
  try {
    const result = await options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    for (const failure of result.Failed ?? []) {
      options.log(
        `[poller ${options.functionName}] delete failed: ${failure.Message ?? failure.Code}`,
      );
    }
  } catch (error) {
    options.log(`[poller ${options.functionName}] delete failed: ${describe(error)}`);
  }
}

function toRecord(message: Message, options: PollerOptions): SQSRecord {
  const attributes = message.Attributes ?? {};
  const body = message.Body ?? '';
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body,
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'AIDALOCALSENDER',
      ApproximateFirstReceiveTimestamp:
        attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: toLambdaAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes
      ? { md5OfMessageAttributes: message.MD5OfMessageAttributes }
      : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn,
    awsRegion: options.region,
  };
}

/** SDK shape (StringValue, BinaryValue bytes) to Lambda's (stringValue, base64 binaryValue). */
function toLambdaAttributes(
  attributes: Record<string, MessageAttributeValue>,
): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    result[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) =>
        Buffer.from(b).toString('base64'),
      ),
    };
  }
  return result;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
