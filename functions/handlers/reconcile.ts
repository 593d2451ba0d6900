import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { NotificationStore } from '../adapters/dynamodb/notification-store';
import { ReconcileIndex } from '../adapters/dynamodb/reconcile-index';
import { SqsDeliveryQueue } from '../adapters/sqs/delivery-queue';
import { type ReconcileReport, reconcile } from '../core/delivery/reconcile';
import { dynamo, sqs } from '../runtime/aws-clients';
import { loadReconcilerConfig } from '../runtime/config';
import { createLogger, createMetrics, serviceName } from '../runtime/powertools';
import { traceHandler } from '../runtime/tracing';

const config = loadReconcilerConfig();
const service = serviceName('herald-reconcile');
const logger = createLogger(service);
const metrics = createMetrics(service, logger);
const deps = {
  store: new NotificationStore(dynamo, config.tableName),
  index: new ReconcileIndex(dynamo, config.tableName),
  queue: new SqsDeliveryQueue(sqs, config.queues),
  settings: { stuckAfterMs: config.stuckAfterMs, maxAttempts: config.maxAttempts },
};

/**
 * EventBridge rule target (every 5 minutes; locally a timer): deliveries left non-final past
 * their deadline are re-enqueued or recorded failed. Every run publishes StuckDeliveriesFound
 * (0 included), which the reconciler's alarm watches.
 */
async function run(_event: unknown, context: Context): Promise<ReconcileReport> {
  const report = await reconcile(deps, Date.now() + context.getRemainingTimeInMillis());
  const count = (action: string) => report.stuck.filter((s) => s.action === action).length;
  metrics.addMetric('NotificationsReconciled', MetricUnit.Count, report.notificationsChecked);
  metrics.addMetric('StuckDeliveriesFound', MetricUnit.Count, report.stuck.length);
  metrics.addMetric('DeliveriesRequeued', MetricUnit.Count, count('requeued'));
  metrics.addMetric('DeliveriesFailedStuck', MetricUnit.Count, count('failed'));
  for (const stuck of report.stuck) {
    // Ids and states only: the recipient stays out of the logs.
    logger.warn('stuck delivery', { ...stuck, correlation_id: stuck.notificationId });
  }
  logger.info('reconciled', {
    notificationsChecked: report.notificationsChecked,
    notificationsOpen: report.notificationsOpen,
    stuck: report.stuck.length,
    complete: report.complete,
  });
  return report;
}

export const handler = middy(run)
  .use(traceHandler())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
