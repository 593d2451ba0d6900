import { type DurableContext, withDurableExecution } from '@aws/durable-execution-sdk-js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import * as z from 'zod/mini';
import { NotificationStore } from '../adapters/dynamodb/notification-store';
import { DynamoGateStore } from '../adapters/dynamodb/workflow-gate-store';
import { DynamoWorkflowStore } from '../adapters/dynamodb/workflow-store';
import { LambdaDurableEngine } from '../adapters/lambda/durable-engine';
import { createScheduler } from '../adapters/scheduler/eventbridge-scheduler';
import { SqsDeliveryQueue } from '../adapters/sqs/delivery-queue';
import { type DurableOps, executeRun } from '../core/workflows/run';
import { dynamo, dynamoClient, sqs } from '../runtime/aws-clients';
import { loadApiConfig, loadWorkflowFunctionName } from '../runtime/config';
import { createIdempotency } from '../runtime/idempotency';
import { createLogger, createMetrics, serviceName } from '../runtime/powertools';
import { traced } from '../runtime/tracing';
import { createRunEffects } from '../runtime/workflow-effects';
import { createWorkflowSendParser } from './workflow-sends';

/*
 * The workflow function: one durable execution per run (named by the run id). Its steps are
 * checkpointed by Lambda durable functions, its waits cost no compute, and a wait for a delivery
 * is a callback the events function completes from the recorded change (runtime/workflow-bridge).
 */

const config = loadApiConfig();
const logger = createLogger(serviceName('herald-workflow'));
const metrics = createMetrics(serviceName('herald-workflow'), logger);
const store = new NotificationStore(dynamo, config.tableName, config.retentionDays);
const runs = new DynamoWorkflowStore(dynamo, config.tableName, config.retentionDays);
const queue = new SqsDeliveryQueue(sqs, config.queues);
const scheduler = config.scheduler
  ? createScheduler(config.scheduler, traced(new SchedulerClient({})))
  : undefined;
if (!config.idempotencyTableName)
  throw new Error('IDEMPOTENCY_TABLE_NAME is required by the workflow function');
const idempotency = createIdempotency(config.idempotencyTableName, dynamoClient, (error) =>
  logger.error('workflow send done, but its idempotency record could not be kept', { error }),
);
const engine = new LambdaDurableEngine(traced(new LambdaClient({})), loadWorkflowFunctionName());
const inputSchema = z.object({ runId: z.string().check(z.minLength(1)) });

let lambdaContext: DurableContext['lambdaContext'] | undefined;
const sends = createWorkflowSendParser(config.tableName);
const effects = createRunEffects({
  parse: sends.parse,
  profiles: sends.profiles,
  categories: sends.categories,
  runs,
  notifications: store,
  ingest: {
    store,
    queue,
    messageDelayHorizonSeconds: config.messageDelayHorizonSeconds,
    reconcileAfterSeconds: config.reconcileAfterSeconds,
    ...(scheduler && { scheduler }),
  },
  idempotency,
  engine,
  gates: new DynamoGateStore(dynamo, config.tableName),
  validation: (tenantId) => ({
    maxRecipientsPerChannel: config.maxRecipientsPerChannel,
    enabledChannels: queue.channels,
    now: Date.now(),
    maxScheduleAheadMs: config.maxScheduleAheadMs,
    tenantId,
    ...(config.mqttTopicPrefix && { mqttTopicPrefix: config.mqttTopicPrefix }),
    ...(config.senderDomain && { senderDomain: config.senderDomain }),
  }),
  context: () => {
    if (!lambdaContext) throw new Error('no Lambda context');
    return lambdaContext;
  },
});

/** The SDK's context narrowed to what a run uses; a callback's timeout is an outcome, not an error. */
function durableOps(ctx: DurableContext): DurableOps {
  return {
    step: (name, fn) => ctx.step(name, fn),
    sleep: (name, seconds) => ctx.wait(name, { seconds }),
    async waitForCallback(name, submit, timeoutSeconds) {
      try {
        return await ctx.waitForCallback<string>(name, (callbackId) => submit(callbackId), {
          timeout: { seconds: timeoutSeconds },
        });
      } catch (error) {
        if ((error as { name?: string }).name === 'CallbackTimeoutError') return undefined;
        throw error;
      }
    },
  };
}

export const handler = withDurableExecution(async (event: unknown, ctx: DurableContext) => {
  const { runId } = inputSchema.parse(event);
  lambdaContext = ctx.lambdaContext;
  logger.appendKeys({ runId });
  const status = await executeRun(durableOps(ctx), effects, runId);
  logger.info('run ended', { runId, status });
  // The alarm on failed runs counts these (lib/constructs/workflows.ts).
  metrics.addMetric(
    `WorkflowRuns${status[0]?.toUpperCase()}${status.slice(1)}`,
    MetricUnit.Count,
    1,
  );
  metrics.publishStoredMetrics();
  return { runId, status };
});
