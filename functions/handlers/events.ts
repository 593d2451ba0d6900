import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoDeliveryStates } from '../adapters/dynamodb/delivery-states';
import { DynamoFanoutStore } from '../adapters/dynamodb/fanout-store';
import { fanoutChangesOf } from '../adapters/dynamodb/fanout-stream';
import { profileChangesOf } from '../adapters/dynamodb/profile-stream';
import { changesOf, type StreamImages } from '../adapters/dynamodb/stream-images';
import { DynamoWebhookStore, type WebhookRoute } from '../adapters/dynamodb/webhook-store';
import { SnsEventTopic } from '../adapters/sns/event-topic';
import { SqsWebhookQueue } from '../adapters/sqs/webhook-queue';
import { publishChanges } from '../core/publishing/publish-events';
import { PublishedCompletions } from '../core/publishing/published-completions';
import { publishRecipientChanges } from '../core/recipients/events';
import { fanoutAwareStates, publishFanoutChanges } from '../core/topics/events';
import { dynamo, sqs } from '../runtime/aws-clients';
import { loadEventsConfig } from '../runtime/events-config';
import { createLogger, createMetrics, serviceName } from '../runtime/powertools';
import { traced, traceHandler } from '../runtime/tracing';
import { workflowBridge } from '../runtime/workflow-bridge';
import { publishWorkflowEvents } from '../runtime/workflow-events';

const config = loadEventsConfig();
const logger = createLogger(serviceName('herald-events'));
const metrics = createMetrics(serviceName('herald-events'), logger);
const webhookStore = new DynamoWebhookStore(dynamo, config.tableName);
const cache = new Map<string, { at: number; webhooks: WebhookRoute[] }>();
const wakeWaitingRuns = workflowBridge(config.tableName);

/** A tenant's webhooks, kept WEBHOOK_CACHE_SECONDS: most batches concern a few tenants. */
async function webhooksOf(tenantId: string): Promise<WebhookRoute[]> {
  const hit = cache.get(tenantId);
  if (hit && Date.now() - hit.at < config.webhookCacheMs) return hit.webhooks;
  const webhooks = await webhookStore.listRouting(tenantId);
  if (cache.size > 1000) cache.clear();
  cache.set(tenantId, { at: Date.now(), webhooks });
  return webhooks;
}

const deliveryStates = new DynamoDeliveryStates(dynamo, config.tableName);
const deps = {
  // A topic send still fanning out is not complete, whatever its deliveries say (issue 21).
  states: fanoutAwareStates(deliveryStates, new DynamoFanoutStore(dynamo, config.tableName)),
  commits: deliveryStates,
  topic: new SnsEventTopic(traced(new SNSClient({})), config.topicArn),
  webhooks: webhooksOf,
  webhookQueue: new SqsWebhookQueue(sqs, config.webhookQueueUrl),
  // One notification's deliveries sit in several partitions: their batches run side by side.
  published: new PublishedCompletions(),
};

/**
 * DynamoDB Stream (NEW_AND_OLD_IMAGES) of the Herald table -> events on the SNS topic and the
 * webhook queue. A failure throws: the event source retries the batch (bisecting it), so no
 * recorded change is skipped; events may repeat, always with the same id.
 */
async function onStream(event: DynamoDBStreamEvent): Promise<void> {
  const { deliveries, webhooks } = changesOf(event.Records as StreamImages[]);
  // A webhook changed: this container reads the tenant's list again (others within the TTL).
  for (const change of webhooks) cache.delete((change.after ?? change.before)?.tenantId ?? '');
  const events = await publishChanges(deps, deliveries, webhooks);
  // Recipient profiles: an address's health changed, a one-click opt-out (core/recipients).
  events.push(
    ...(await publishRecipientChanges(deps, profileChangesOf(event.Records as StreamImages[]))),
  );
  // Topic sends: the end of a fan-out, and the notification's completion if all is final.
  events.push(
    ...(await publishFanoutChanges(deps, fanoutChangesOf(event.Records as StreamImages[]))),
  );
  // Workflow runs waiting on these deliveries go on now (escalation on feedback, not timers).
  await wakeWaitingRuns(deliveries);
  await publishWorkflowEvents(deps, event.Records);
  metrics.addMetric('StreamRecords', MetricUnit.Count, event.Records.length);
  metrics.addMetric('EventsPublished', MetricUnit.Count, events.length);
  logger.debug('events published', { records: event.Records.length, events: events.length });
}

export const handler = middy(onStream)
  .use(traceHandler())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
