import { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod/mini';
import { NotificationStore } from '../adapters/dynamodb/notification-store';
import { DynamoTopicStore } from '../adapters/dynamodb/topic-store';
import { DynamoWorkflowStore } from '../adapters/dynamodb/workflow-store';
import { DynamoTopicTriggerStore } from '../adapters/dynamodb/workflow-trigger-store';
import { LambdaDurableEngine } from '../adapters/lambda/durable-engine';
import { SqsTopicTriggerQueue } from '../adapters/sqs/workflow-trigger-queue';
import { cancelNotification } from '../core/notifications/cancel';
import type { CancelRunsDependencies } from '../core/workflows/cancel';
import type { AcceptTopicTriggerDependencies } from '../core/workflows/topic-trigger';
import {
  resumeStalledTriggers,
  type TopicTriggerPageDependencies,
} from '../core/workflows/topic-trigger-page';
import { dynamo, sqs } from './aws-clients';
import { loadWorkflowFunctionName, parseEnv } from './config';
import { traced } from './tracing';

/*
 * Triggers to a topic (core/workflows/topic-trigger*.ts): settings and adapters of the api
 * (accepts a trigger) and of the workflow trigger function (works its pages).
 */

const schema = z.object({
  TABLE_NAME: z.string().check(z.minLength(1)),
  DATA_RETENTION_DAYS: z._default(z.coerce.number().check(z.int(), z.positive()), 90),
  /** The trigger queue; without it a trigger to a topic is refused (nothing would run it). */
  WORKFLOW_TRIGGER_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
  /** Subscribers per page: one run each (a conditional create, index writes, an invoke). */
  WORKFLOW_TRIGGER_PAGE_SIZE: z._default(
    z.coerce.number().check(z.int(), z.positive(), z.maximum(1000)),
    250,
  ),
  /** A checkpoint that has not moved for this long is re-sent by the reconciler. */
  WORKFLOW_TRIGGER_STALL_SECONDS: z._default(z.coerce.number().check(z.int(), z.positive()), 300),
});

export interface TopicTriggerSettings {
  tableName: string;
  retentionDays: number;
  queueUrl?: string;
  pageSize: number;
  stallAfterMs: number;
}

export function loadTopicTriggerSettings(
  env: NodeJS.ProcessEnv = process.env,
): TopicTriggerSettings {
  const parsed = parseEnv(schema, env);
  return {
    tableName: parsed.TABLE_NAME,
    retentionDays: parsed.DATA_RETENTION_DAYS,
    pageSize: parsed.WORKFLOW_TRIGGER_PAGE_SIZE,
    stallAfterMs: parsed.WORKFLOW_TRIGGER_STALL_SECONDS * 1000,
    ...(parsed.WORKFLOW_TRIGGER_QUEUE_URL && { queueUrl: parsed.WORKFLOW_TRIGGER_QUEUE_URL }),
  };
}

const queueOf = (settings: TopicTriggerSettings) =>
  settings.queueUrl
    ? new SqsTopicTriggerQueue(sqs, settings.queueUrl)
    : {
        send: async () => {
          throw new Error('WORKFLOW_TRIGGER_QUEUE_URL is not set');
        },
      };

/** The api's part: record a trigger and queue its first page. */
export function createAcceptTopicTriggerDependencies(
  settings: TopicTriggerSettings,
): AcceptTopicTriggerDependencies {
  const topics = new DynamoTopicStore(dynamo, settings.tableName);
  return {
    triggers: new DynamoTopicTriggerStore(dynamo, settings.tableName, settings.retentionDays),
    queue: queueOf(settings),
    stallAfterMs: settings.stallAfterMs,
    topicExists: async (tenantId, topic) => (await topics.getTopic(tenantId, topic)) !== undefined,
  };
}

/** The trigger function's part: page the subscribers, start their runs, checkpoint. */
export function createTopicTriggerPageDependencies(
  settings: TopicTriggerSettings,
  engine = new LambdaDurableEngine(traced(new LambdaClient({})), loadWorkflowFunctionName()),
): TopicTriggerPageDependencies {
  const topics = new DynamoTopicStore(dynamo, settings.tableName);
  const runs = new DynamoWorkflowStore(dynamo, settings.tableName, settings.retentionDays);
  const store = new NotificationStore(dynamo, settings.tableName, settings.retentionDays);
  const cancel: CancelRunsDependencies = {
    runs,
    engine,
    cancelNotification: async (id, tenantId) => {
      await cancelNotification({ store }, id, tenantId, Date.now());
    },
  };
  return {
    triggers: new DynamoTopicTriggerStore(dynamo, settings.tableName, settings.retentionDays),
    queue: queueOf(settings),
    subscribers: (tenantId, topic, options) => topics.subscribers(tenantId, topic, options),
    runs,
    engine,
    cancel,
    pageSize: settings.pageSize,
    stallAfterMs: settings.stallAfterMs,
  };
}

/** The reconciler's part: triggers whose checkpoint stopped moving; undefined without the queue. */
export function createTriggerSweep(settings: TopicTriggerSettings) {
  if (!settings.queueUrl) return undefined;
  return {
    triggers: new DynamoTopicTriggerStore(dynamo, settings.tableName, settings.retentionDays),
    queue: queueOf(settings),
    stallAfterMs: settings.stallAfterMs,
  };
}

let sweep: ReturnType<typeof createTriggerSweep> | null = null;

/** The reconciler's hook (handlers/reconcile.ts): re-sends the page of each stalled trigger. */
export async function resumeStalledWorkflowTriggers(logger: {
  warn(message: string, extra: Record<string, unknown>): void;
}): Promise<void> {
  sweep ??= createTriggerSweep(loadTopicTriggerSettings()) ?? null;
  if (!sweep) return;
  const resumed = await resumeStalledTriggers(sweep, Date.now());
  if (resumed.length > 0) logger.warn('stalled workflow triggers resumed', { resumed });
}
