import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { NotificationStore } from '../adapters/dynamodb/notification-store';
import { ReconcileIndex } from '../adapters/dynamodb/reconcile-index';
import { SqsDeliveryQueue } from '../adapters/sqs/delivery-queue';
import { type ReconcileReport, reconcile } from '../core/delivery/reconcile';
import { resumeStalledFanouts } from '../core/topics/fanout';
import { dynamo, sqs } from '../runtime/aws-clients';
import { loadApiConfig, loadReconcilerConfig } from '../runtime/config';
import { createLogger, createMetrics, serviceName } from '../runtime/powertools';
import { createFanoutDependencies, loadFanoutSettings } from '../runtime/topic-fanout';
import { traceHandler } from '../runtime/tracing';
import { resumeStalledWorkflowTriggers } from '../runtime/workflow-triggers';

const config = loadReconcilerConfig();
const service = serviceName('herald-reconcile');
const logger = createLogger(service);
const metrics = createMetrics(service, logger);
const fanout = createFanoutDependencies(loadApiConfig(), loadFanoutSettings());
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
  // Topic sends whose fan-out checkpoint stopped moving: their page is sent again (issue 21).
  const resumed = await resumeStalledFanouts(fanout, Date.now());
  if (resumed.length > 0) logger.warn('stalled fan-outs resumed', { resumed });
  // Workflow triggers to a topic whose checkpoint stopped moving, likewise (issue 20).
  await resumeStalledWorkflowTriggers(logger);
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
