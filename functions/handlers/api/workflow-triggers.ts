import * as z from 'zod/mini';
import { DynamoTopicTriggerStore } from '../../adapters/dynamodb/workflow-trigger-store';
import { NotFoundError } from '../../core/shared/errors';
import type { CancelRunsDependencies } from '../../core/workflows/cancel';
import { presentTrigger } from '../../core/workflows/topic-trigger';
import { cancelByKey } from '../../core/workflows/topic-trigger-page';
import { dynamo } from '../../runtime/aws-clients';
import { json } from '../../runtime/http';
import {
  createAcceptTopicTriggerDependencies,
  loadTopicTriggerSettings,
} from '../../runtime/workflow-triggers';
import { type ApiRoute, config, pathParameter, tenantOf } from './context';
import { workflowStore } from './workflow-context';

/*
 * Triggers to a topic (core/workflows/topic-trigger.ts): what the trigger route needs to accept
 * one, its progress (GET /v1/workflow-triggers/{id}), and the cancel by cancellationKey, which
 * stops their pages before it cancels the runs.
 */

const settings = loadTopicTriggerSettings();
export const topicTriggers = createAcceptTopicTriggerDependencies(settings);
const triggers = new DynamoTopicTriggerStore(dynamo, config.tableName, config.retentionDays);

export const triggerShape = z.object({
  id: z.string(),
  workflowKey: z.string(),
  version: z.number(),
  topic: z.string(),
  status: z.enum(['running', 'done', 'cancelled']),
  pages: z.number().check(z.describe('pages of subscribers done')),
  subscribers: z.number().check(z.describe('subscribers read so far')),
  started: z.number().check(z.describe('runs started so far, one per subscriber read')),
  done: z.boolean(),
  cancellationKey: z.optional(z.string()),
  idempotencyKey: z.optional(z.string()),
  replayed: z.optional(z.boolean()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** DELETE /v1/workflow-runs?cancellationKey=: triggers to topics first, then the runs. */
export async function cancelByCancellationKey(
  cancel: CancelRunsDependencies,
  tenantId: string,
  cancellationKey: string,
) {
  return cancelByKey(
    { triggers, cancel },
    {
      tenantId,
      cancellationKey,
      runsByKey: () => workflowStore.runsByCancellationKey(tenantId, cancellationKey),
      now: Date.now(),
    },
  );
}

export const workflowTriggerRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/workflow-triggers/{id}',
    access: 'read',
    doc: {
      summary: 'A trigger to a topic: its progress (subscribers read, runs started) and status',
      description:
        'The runs themselves: GET /v1/workflow-runs?workflow=<key> (each carries `triggerId`).',
      tag: 'workflows',
      responses: { 200: { description: 'The trigger', schema: triggerShape } },
    },
    handler: async (event) => {
      const state = await triggers.get(pathParameter(event, 'id', 'Trigger'));
      if (!state || state.tenantId !== tenantOf(event))
        throw new NotFoundError('Trigger not found');
      return json(200, presentTrigger(state));
    },
  },
];
