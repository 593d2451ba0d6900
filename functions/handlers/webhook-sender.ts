import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoWebhookStore } from '../adapters/dynamodb/webhook-store';
import { DnsUrlGuard } from '../adapters/http/url-guard';
import { HttpWebhookEndpoint } from '../adapters/http/webhook-endpoint';
import { parseWebhookMessage, SqsWebhookQueue } from '../adapters/sqs/webhook-queue';
import { sendWebhook } from '../core/webhooks/send';
import { dynamo, sqs } from '../runtime/aws-clients';
import { loadWebhookSenderConfig } from '../runtime/events-config';
import { createLogger, createMetrics, serviceName } from '../runtime/powertools';
import { traceHandler } from '../runtime/tracing';

const config = loadWebhookSenderConfig();
const logger = createLogger(serviceName('herald-webhook-sender'));
const metrics = createMetrics(serviceName('herald-webhook-sender'), logger);
const processor = new BatchProcessor(EventType.SQS);
const deps = {
  webhooks: new DynamoWebhookStore(dynamo, config.tableName),
  queue: new SqsWebhookQueue(sqs, config.queueUrl, config.deadLetterUrl),
  endpoint: new HttpWebhookEndpoint(config.policy),
  guard: new DnsUrlGuard(config.policy),
  retryDelaysSeconds: config.retryDelaysSeconds,
  disableAfterMs: config.disableAfterMs,
};

/**
 * One webhook message: one attempt, then the next one re-enqueued with its delay (see
 * sendWebhook). A record only fails (and SQS retries it, then redrives it to the DLQ) when
 * Herald itself could not do its part: the store or the queue failed, or the message is malformed.
 */
async function recordHandler(record: SQSRecord): Promise<void> {
  const message = parseWebhookMessage(record.body);
  const context = {
    webhookId: message.webhookId,
    eventId: message.event.id,
    type: message.event.type,
    attempt: message.attempt,
    tenantId: message.tenantId,
  };
  const outcome = await sendWebhook(deps, message);
  switch (outcome.result) {
    case 'delivered':
      metrics.addMetric('WebhookDelivered', MetricUnit.Count, 1);
      metrics.addMetric('WebhookLatency', MetricUnit.Milliseconds, outcome.durationMs);
      logger.info('webhook delivered', { ...context, durationMs: outcome.durationMs });
      return;
    case 'retrying':
      metrics.addMetric('WebhookFailed', MetricUnit.Count, 1);
      metrics.addMetric('WebhookLatency', MetricUnit.Milliseconds, outcome.durationMs);
      logger.warn('webhook attempt failed', {
        ...context,
        reason: outcome.reason,
        retryIn: outcome.inSeconds,
      });
      return;
    case 'dead-lettered':
      metrics.addMetric('WebhookFailed', MetricUnit.Count, 1);
      metrics.addMetric('WebhookDeadLettered', MetricUnit.Count, 1);
      // Retries exhausted, or the endpoint is disabled (the event waits for it to be re-enabled).
      logger.error('webhook message moved to the DLQ', {
        ...context,
        reason: outcome.reason,
      });
      return;
    case 'disabled':
      metrics.addMetric('WebhookFailed', MetricUnit.Count, 1);
      metrics.addMetric('WebhookDisabled', MetricUnit.Count, 1);
      logger.warn('webhook disabled', { ...context, reason: outcome.reason });
      return;
    case 'waiting':
      return;
    case 'dropped':
      logger.info('webhook message dropped', { ...context, reason: outcome.reason });
      return;
  }
}

async function onBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  return processPartialResponse(event, recordHandler, processor, {
    context,
    throwOnFullBatchFailure: false,
  });
}

/** SQS event source of the webhook queue (partial batch responses). */
export const handler = middy(onBatch)
  .use(traceHandler())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
