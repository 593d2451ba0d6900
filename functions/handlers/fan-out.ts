import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { fanoutPage } from '../core/topics/fanout';
import { decodeFanoutMessage } from '../core/topics/model';
import { loadApiConfig } from '../runtime/config';
import { createLogger, createMetrics, serviceName } from '../runtime/powertools';
import { createFanoutDependencies, loadFanoutSettings } from '../runtime/topic-fanout';
import { annotate, traceHandler } from '../runtime/tracing';

const config = loadApiConfig();
const deps = createFanoutDependencies(config, loadFanoutSettings());
const logger = createLogger(serviceName('herald-fan-out'));
const metrics = createMetrics(serviceName('herald-fan-out'), logger);
const processor = new BatchProcessor(EventType.SQS);

/** One page of a topic send: resolved, created, enqueued, checkpointed (core/topics/fanout.ts). */
async function recordHandler(record: SQSRecord): Promise<void> {
  const message = decodeFanoutMessage(record.body);
  if (!message) {
    // No retry could ever read it: logged once and dropped.
    logger.error('malformed fan-out message dropped', { messageId: record.messageId });
    return;
  }
  logger.setCorrelationId(message.notificationId);
  annotate({ notificationId: message.notificationId });
  const result = await fanoutPage(deps, message);
  if (result.outcome === 'page') {
    metrics.addMetric('FanoutPages', MetricUnit.Count, 1);
    metrics.addMetric('FanoutDeliveriesEnqueued', MetricUnit.Count, result.enqueued);
    metrics.addMetric('FanoutDeliveriesSkipped', MetricUnit.Count, result.skipped);
  }
  logger.info('fan-out page', { page: message.page, ...result });
}

/** SQS event source of the fan-out queue (batch size 1: a page is already 1,000 deliveries). */
export const handler = middy(
  (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, recordHandler, processor, {
      context,
      throwOnFullBatchFailure: false,
    }),
)
  .use(traceHandler())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
