import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { decodeTopicTriggerMessage } from '../core/workflows/topic-trigger';
import { topicTriggerPage } from '../core/workflows/topic-trigger-page';
import { createLogger, createMetrics, serviceName } from '../runtime/powertools';
import { annotate, traceHandler } from '../runtime/tracing';
import {
  createTopicTriggerPageDependencies,
  loadTopicTriggerSettings,
} from '../runtime/workflow-triggers';

const deps = createTopicTriggerPageDependencies(loadTopicTriggerSettings());
const logger = createLogger(serviceName('herald-workflow-trigger'));
const metrics = createMetrics(serviceName('herald-workflow-trigger'), logger);
const processor = new BatchProcessor(EventType.SQS);

/** One page of a trigger to a topic: a run per subscriber, then the checkpoint. */
async function recordHandler(record: SQSRecord): Promise<void> {
  const message = decodeTopicTriggerMessage(record.body);
  if (!message) {
    // No retry could ever read it: logged once and dropped.
    logger.error('malformed workflow trigger message dropped', { messageId: record.messageId });
    return;
  }
  logger.setCorrelationId(message.triggerId);
  annotate({ triggerId: message.triggerId });
  const result = await topicTriggerPage(deps, message);
  if (result.outcome === 'page') {
    metrics.addMetric('WorkflowTriggerPages', MetricUnit.Count, 1);
    metrics.addMetric('WorkflowRunsStarted', MetricUnit.Count, result.created);
  }
  logger.info('workflow trigger page', { page: message.page, ...result });
}

/** SQS event source of the workflow trigger queue (batch size 1: a page is already many runs). */
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
