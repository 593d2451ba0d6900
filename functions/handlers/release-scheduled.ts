import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import * as z from 'zod/mini';
import { NotificationStore } from '../adapters/dynamodb/notification-store';
import { SqsDeliveryQueue } from '../adapters/sqs/delivery-queue';
import { type ReleaseResult, releaseNotification } from '../core/notifications/release';
import { dynamo, sqs } from '../runtime/aws-clients';
import { loadApiConfig } from '../runtime/config';
import { createLogger, createMetrics, serviceName } from '../runtime/powertools';
import { annotate, traceHandler } from '../runtime/tracing';

const config = loadApiConfig();
const logger = createLogger(serviceName('herald-release'));
const metrics = createMetrics(serviceName('herald-release'), logger);
const store = new NotificationStore(dynamo, config.tableName, config.retentionDays);
const queue = new SqsDeliveryQueue(sqs, config.queues);
const inputSchema = z.object({ notificationId: z.string().check(z.minLength(1)) });

/** EventBridge Scheduler target: `{ notificationId }` at the notification's due time. */
async function release(input: unknown): Promise<ReleaseResult> {
  const { notificationId } = inputSchema.parse(input);
  logger.setCorrelationId(notificationId);
  annotate({ notificationId });
  const result = await releaseNotification({ store, queue }, notificationId, Date.now());
  metrics.addMetric('ScheduledReleases', MetricUnit.Count, 1);
  metrics.addMetric('DeliveriesReleased', MetricUnit.Count, result.released);
  logger.info('released', { ...result });
  return result;
}

export const handler = middy(release)
  .use(traceHandler())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
