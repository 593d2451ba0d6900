import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { DynamoEmulator } from './emulators/dynamodb';
import {
  createLambdaContext,
  EnvironmentPool,
  type LambdaHandler,
  loadHandler,
} from './emulators/lambda';
import { type LocalStream, startLocalStream } from './event-stream';
import { type Poller, startPoller } from './poller';

/*
 * Delivery events on the local stack: the events topic (SNS in fauxqs), the webhook queue and its
 * DLQ, the local DynamoDB Stream feeding the events function, and a poller feeding the webhook
 * sender. Same functions and settings as in AWS; only endpoints and a few delays differ.
 */

/** Settings of the local event pipeline. */
export interface LocalEventOptions {
  region: string;
  /** fauxqs endpoint (SQS and SNS on one port). */
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  stage: string;
  /** Waits before webhook attempts 2, 3, ... (seconds). Default 1,1,1,1,1,1,1. */
  webhookRetryDelaysSeconds?: number[];
  /** Allow http:// and loopback/private receivers. Default true (local receivers). */
  webhookAllowPrivate?: boolean;
  /** How long the events function keeps a tenant's webhooks. Default 0 (AWS: 30). */
  webhookCacheSeconds?: number;
}

/** What the local events resources are, for the handlers' environment and for tests. */
export interface LocalEventResources {
  env: Record<string, string>;
  topicArn: string;
  webhookQueue: { url: string; arn: string };
  webhookDlq: { url: string; arn: string };
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>) {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  const url = QueueUrl ?? '';
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { url, arn: Attributes?.QueueArn ?? '' };
}

/** The topic and queues, and the environment the events and webhook functions need. */
export async function createEventResources(
  options: LocalEventOptions,
): Promise<LocalEventResources> {
  const clientOptions = {
    region: options.region,
    endpoint: options.endpoint,
    credentials: options.credentials,
  };
  const sqs = new SQSClient(clientOptions);
  const sns = new SNSClient(clientOptions);
  try {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: `herald-${options.stage}-events` }),
    );
    const webhookDlq = await createQueue(sqs, `herald-${options.stage}-webhooks-dlq`, {
      MessageRetentionPeriod: '1209600',
    });
    const webhookQueue = await createQueue(sqs, `herald-${options.stage}-webhooks`, {
      // Longer than a batch of sends takes on a loaded machine (10 s let a few slow batches be
      // redelivered: duplicates with the same webhook-id); a crashed batch comes back in a minute.
      VisibilityTimeout: '60',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: webhookDlq.arn, maxReceiveCount: 5 }),
    });
    const allowPrivate = options.webhookAllowPrivate ?? true;
    return {
      topicArn: TopicArn ?? '',
      webhookQueue,
      webhookDlq,
      env: {
        AWS_ENDPOINT_URL_SNS: options.endpoint,
        EVENTS_TOPIC_ARN: TopicArn ?? '',
        WEBHOOK_QUEUE_URL: webhookQueue.url,
        WEBHOOK_DLQ_URL: webhookDlq.url,
        WEBHOOK_RETRY_DELAYS_SECONDS: (
          options.webhookRetryDelaysSeconds ?? [1, 1, 1, 1, 1, 1, 1]
        ).join(','),
        // Local receivers listen on http://127.0.0.1: a setting, the functions do not know why.
        WEBHOOK_ALLOW_HTTP: String(allowPrivate),
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: String(allowPrivate),
        // By default a webhook created a moment ago gets the next event.
        WEBHOOK_CACHE_SECONDS: String(options.webhookCacheSeconds ?? 0),
      },
    };
  } finally {
    sqs.destroy();
    sns.destroy();
  }
}

/** The running pipeline. */
export interface LocalEventPipeline {
  stream: LocalStream;
  /** Batches the stream gave up on (the on-failure destination). */
  failedBatches: DynamoDBRecord[][];
  /** Duration (ms) of each events function invocation, for `npm run bench -- cost`. */
  eventsInvocationMs: number[];
  stop(): Promise<void>;
}

/**
 * Starts the local stream (dynalite's captured writes -> events function) and the webhook queue
 * poller (-> webhook sender). Missing handler files are reported, not fatal.
 */
export async function startEventPipeline(options: {
  dynamo: DynamoEmulator;
  resources: LocalEventResources;
  region: string;
  tableName: string;
  endpoint: string;
  instance: string | undefined;
  log: (line: string) => void;
  /** Keep the stream's records in this file until handled (see LocalStreamOptions). */
  journalFile?: string;
}): Promise<LocalEventPipeline> {
  const { region, instance, log } = options;
  const failedBatches: DynamoDBRecord[][] = [];
  const eventsInvocationMs: number[] = [];
  const events = await loadHandler<DynamoDBStreamEvent, void>('events', instance);
  const sender = await loadHandler<SQSEvent, SQSBatchResponse>('webhook-sender', instance);
  if (!events) log('[stack] functions/handlers/events.ts does not exist: not wired');
  if (!sender) log('[stack] functions/handlers/webhook-sender.ts does not exist: not wired');
  const pool =
    events &&
    new EnvironmentPool(events, (n) => loadHandler('events', `${instance ?? 1}-events-${n}`));
  const stream = startLocalStream({
    region,
    tableName: options.tableName,
    ...(options.journalFile !== undefined && { journalFile: options.journalFile }),
    invoke: async (event) => {
      if (!pool) return;
      const start = performance.now();
      try {
        await pool.invoke(event, createLambdaContext('herald-events', region));
      } finally {
        eventsInvocationMs.push(performance.now() - start);
      }
    },
    onFailure: (records, error) => {
      failedBatches.push(records);
      log(`[stream] gave up on ${records.length} records: ${String(error)}`);
    },
  });
  options.dynamo.onWrite((write) => stream.push(write));

  const sqs = new SQSClient({ region, endpoint: options.endpoint });
  let poller: Poller | undefined;
  if (sender) {
    const copies = [
      sender as LambdaHandler<SQSEvent, SQSBatchResponse | undefined>,
      ...(
        await Promise.all(
          [2, 3, 4].map((n) =>
            loadHandler<SQSEvent, SQSBatchResponse>(
              'webhook-sender',
              `${instance ?? 1}-sender-${n}`,
            ),
          ),
        )
      ).filter((h) => h !== undefined),
    ];
    poller = startPoller({
      sqs,
      queueUrl: options.resources.webhookQueue.url,
      queueArn: options.resources.webhookQueue.arn,
      region,
      functionName: 'herald-webhook-sender',
      environments: copies,
      log,
    });
  }
  return {
    stream,
    failedBatches,
    eventsInvocationMs,
    async stop() {
      await Promise.all([stream.stop(), poller?.stop()]);
      sqs.destroy();
    },
  };
}
