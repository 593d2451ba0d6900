import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { decodeTopicTriggerMessage } from '../core/workflows/topic-trigger';
import { topicTriggerPage } from '../core/workflows/topic-trigger-page';
import { serviceName } from '../runtime/powertools';
import { sqsPageHandler } from '../runtime/sqs-page-handler';
import {
  createTopicTriggerPageDependencies,
  loadTopicTriggerSettings,
} from '../runtime/workflow-triggers';

const deps = createTopicTriggerPageDependencies(loadTopicTriggerSettings());

/**
 * SQS event source of the workflow trigger queue (batch size 1: a page is already many runs).
 * One page of a trigger to a topic: a run per subscriber, then the checkpoint.
 */
export const handler = sqsPageHandler({
  service: serviceName('herald-workflow-trigger'),
  what: 'workflow trigger',
  decode: decodeTopicTriggerMessage,
  idOf: (message) => ({ name: 'triggerId', value: message.triggerId }),
  work: (message) => topicTriggerPage(deps, message),
  count: (metrics, result) => {
    if (result.outcome !== 'page') return;
    metrics.addMetric('WorkflowTriggerPages', MetricUnit.Count, 1);
    metrics.addMetric('WorkflowRunsStarted', MetricUnit.Count, result.created);
  },
});
