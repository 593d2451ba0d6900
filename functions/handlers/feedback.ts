import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { NotificationStore } from '../adapters/dynamodb/notification-store';
import { SuppressionsWithProfiles } from '../adapters/dynamodb/suppressions-with-profiles';
import { readSesEvent, type SesEventReading } from '../adapters/providers/email/ses-events';
import { applyProviderReport } from '../core/delivery/report';
import { dynamo } from '../runtime/aws-clients';
import { loadTableName } from '../runtime/config';
import { createLogger, createMetrics, serviceName } from '../runtime/powertools';
import { traceHandler } from '../runtime/tracing';

const tableName = loadTableName();
const logger = createLogger(serviceName('herald-feedback'));
const metrics = createMetrics(serviceName('herald-feedback'), logger);
const deps = {
  store: new NotificationStore(dynamo, tableName),
  suppressions: new SuppressionsWithProfiles(dynamo, tableName),
};
const processor = new BatchProcessor(EventType.SQS);

/**
 * One SES event (configuration set -> SNS topic -> this queue, raw delivery). A malformed body
 * and an event Herald cannot map are logged and dropped, since no retry could ever read or map
 * them; a failure to apply one fails the record, which SQS redelivers (then the feedback DLQ).
 */
async function recordHandler(record: SQSRecord): Promise<void> {
  let reading: SesEventReading;
  try {
    reading = readSesEvent(JSON.parse(record.body), Date.now());
  } catch (error) {
    // Not JSON (or an SNS envelope around something that is not): no retry can ever read it, so
    // it is logged once and dropped instead of being received five times on its way to the DLQ.
    // The parser's message quotes the body (addresses): only its name is logged.
    metrics.addMetric('FeedbackIgnored', MetricUnit.Count, 1);
    logger.error('malformed SES event dropped', {
      messageId: record.messageId,
      error: error instanceof Error ? error.name : 'unknown',
      bodyLength: record.body.length,
    });
    return;
  }
  if (reading.kind === 'untagged') {
    metrics.addMetric('FeedbackIgnored', MetricUnit.Count, 1);
    logger.warn('SES event without Herald tags ignored', { ...reading });
    return;
  }
  if (reading.kind === 'ignored') return;
  const { report } = reading;
  const result = await applyProviderReport(deps, report);
  const fields = {
    correlation_id: report.notificationId,
    deliveryId: report.deliveryId,
    source: report.source,
  };
  if (result.result === 'unknown') {
    metrics.addMetric('FeedbackIgnored', MetricUnit.Count, 1);
    logger.warn('SES event for an unknown delivery ignored', fields);
    return;
  }
  metrics.addMetric(
    result.result === 'applied' ? 'FeedbackApplied' : 'FeedbackStale',
    MetricUnit.Count,
    1,
  );
  if (result.suppressed) metrics.addMetric('RecipientsSuppressed', MetricUnit.Count, 1);
  logger.info(`SES report ${result.result}`, {
    ...fields,
    occurredAt: new Date(report.occurredAt).toISOString(),
    status: result.status,
    suppressed: result.suppressed,
  });
}

/** SQS event source on the SES feedback queue: partial batch responses. */
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
