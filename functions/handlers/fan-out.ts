import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { fanoutPage } from '../core/topics/fanout';
import { decodeFanoutMessage } from '../core/topics/model';
import { loadApiConfig } from '../runtime/config';
import { serviceName } from '../runtime/powertools';
import { sqsPageHandler } from '../runtime/sqs-page-handler';
import { createFanoutDependencies, loadFanoutSettings } from '../runtime/topic-fanout';

const deps = createFanoutDependencies(loadApiConfig(), loadFanoutSettings());

/**
 * SQS event source of the fan-out queue (batch size 1: a page is already 1,000 deliveries). One
 * page of a topic send: resolved, created, enqueued, checkpointed (core/topics/fanout.ts).
 */
export const handler = sqsPageHandler({
  service: serviceName('herald-fan-out'),
  what: 'fan-out',
  decode: decodeFanoutMessage,
  idOf: (message) => ({ name: 'notificationId', value: message.notificationId }),
  work: (message) => fanoutPage(deps, message),
  count: (metrics, result) => {
    if (result.outcome !== 'page') return;
    metrics.addMetric('FanoutPages', MetricUnit.Count, 1);
    metrics.addMetric('FanoutDeliveriesEnqueued', MetricUnit.Count, result.enqueued);
    metrics.addMetric('FanoutDeliveriesSkipped', MetricUnit.Count, result.skipped);
  },
});
