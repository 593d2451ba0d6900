import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { cancelNotification } from '../../core/notifications/cancel';
import { NotFoundError } from '../../core/shared/errors';
import { cancelRuns } from '../../core/workflows/cancel';
import { WORKFLOW_KEY } from '../../core/workflows/definitions';
import type { RunRecord } from '../../core/workflows/model';
import {
  parseTrigger,
  recipientSchema,
  triggerSchema,
  triggerWorkflow,
} from '../../core/workflows/trigger';
import { json, parseJsonBody } from '../../runtime/http';
import { type ApiRoute, config, metrics, pathParameter, store, tenantOf } from './context';
import { workflowEngine, workflowStore } from './workflow-context';
import { triggerTemplates } from './workflow-templates';
import { cancelByCancellationKey, topicTriggers, triggerShape } from './workflow-triggers';

/*
 * Runs: trigger a published workflow for up to 1,000 recipients (one run each), read a run's
 * timeline, list runs, cancel by id or by cancellationKey.
 */

const present = ({
  tenantId: _t,
  steps,
  sending: _s,
  ...run
}: RunRecord & { sending?: string }) => ({
  ...run,
  steps: Object.values(steps).sort((a, b) => a.at.localeCompare(b.at)),
});

const runShape = z.object({
  id: z.string(),
  workflowKey: z.string(),
  version: z.number(),
  status: z.string(),
  recipient: recipientSchema,
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
  reason: z.optional(z.string()),
  cancellationKey: z.optional(z.string()),
  idempotencyKey: z.optional(z.string()),
  triggerId: z.optional(z.string()),
  definition: z.optional(z.record(z.string(), z.unknown())),
  steps: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      at: z.string(),
      decision: z.string(),
      why: z.optional(z.string()),
      until: z.optional(z.string()),
      notificationId: z.optional(z.string()),
      deliveries: z.optional(z.array(z.object({ id: z.string(), channel: z.string() }))),
    }),
  ),
});
const triggeredShape = z.object({
  workflow: z.string(),
  version: z.number(),
  runs: z.array(
    z.object({ id: z.string(), recipient: z.string(), replayed: z.optional(z.boolean()) }),
  ),
  trigger: z.optional(triggerShape),
});
const listQuery = z.object({
  workflow: z.optional(z.string()),
  recipient: z.optional(z.string()),
  limit: z
    .optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)))
    .check(z.describe('1-100, default 25')),
});
const cancelQuery = z.object({ cancellationKey: z.string().check(z.minLength(1)) });
const cancelledShape = z.object({ cancelled: z.array(z.string()) });

const cancelDeps = {
  runs: workflowStore,
  engine: workflowEngine,
  cancelNotification: async (id: string, tenantId: string) => {
    await cancelNotification({ store }, id, tenantId, Date.now());
  },
};

async function ownedRun(event: Parameters<ApiRoute['handler']>[0]): Promise<RunRecord> {
  const run = await workflowStore.getRun(pathParameter(event, 'id', 'Run'));
  if (!run || run.tenantId !== tenantOf(event)) throw new NotFoundError('Run not found');
  return run;
}

export const workflowRunRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/v1/workflows/{key}/trigger',
    access: 'send',
    doc: {
      summary: 'Start a run of the published workflow for each recipient',
      description:
        "One run per recipient (at most 1,000), on the latest published version or `version`. `to`: recipient ids, or `{id, ...profile}` upserted first (as POST /v1/notifications does); a workflow with inline content takes `{id, email?, sms?, push?, ...}` inline addresses. `data` is checked against each template's data schema: a mismatch is a 422 at `data.<field>` and starts nothing. With `idempotencyKey` a retried trigger answers the same run ids (`replayed`) and starts nothing twice. `to: {topic}` starts one run per subscriber after the answer, whatever the topic's size: the 202 carries `trigger` (its id and progress; GET /v1/workflow-triggers/{id}) and no run ids; an unknown topic is a 404, an empty one ends with no runs; a cancel by `cancellationKey` also stops the pages not yet started.",
      tag: 'workflows',
      body: triggerSchema,
      responses: {
        202: { description: 'Runs started', schema: triggeredShape },
        404: { description: 'No such workflow, version or topic', schema: null },
        409: { description: 'The workflow has no published version', schema: null },
        422: {
          description: "`data` does not fit a template's data schema; nothing started",
          schema: null,
        },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const key = pathParameter(event, 'key', 'Workflow');
      if (!WORKFLOW_KEY.test(key)) throw new NotFoundError('Workflow not found');
      const request = parseTrigger(parseJsonBody(event, config.maxBodyBytes));
      const triggered = await triggerWorkflow(
        {
          store: workflowStore,
          engine: workflowEngine,
          templates: triggerTemplates,
          topics: topicTriggers,
        },
        { tenantId, key, request, now: Date.now() },
      );
      metrics.addMetric('WorkflowRunsStarted', MetricUnit.Count, triggered.runs.length);
      return json(202, triggered);
    },
  },
  {
    method: 'GET',
    path: '/v1/workflow-runs/{id}',
    access: 'read',
    doc: {
      summary: "A run's timeline: each step, when, what it decided and why, its deliveries",
      tag: 'workflows',
      responses: { 200: { description: 'The run', schema: runShape } },
    },
    handler: async (event) => json(200, present(await ownedRun(event))),
  },
  {
    method: 'GET',
    path: '/v1/workflow-runs',
    access: 'read',
    doc: {
      summary: "The tenant's runs, newest first",
      tag: 'workflows',
      query: listQuery,
      responses: { 200: { description: 'Runs', schema: z.object({ items: z.array(runShape) }) } },
    },
    handler: async (event) => {
      const q = event.queryStringParameters ?? {};
      const limit = q.limit === undefined ? 25 : Math.min(100, Math.max(1, Number(q.limit) || 25));
      const runs = await workflowStore.listRuns(tenantOf(event), {
        limit,
        ...(q.workflow && { workflow: q.workflow }),
        ...(q.recipient && { recipient: q.recipient }),
      });
      return json(200, { items: runs.map(present) });
    },
  },
  {
    method: 'DELETE',
    path: '/v1/workflow-runs/{id}',
    access: 'send',
    doc: {
      summary: 'Cancel a run: nothing more is sent by it after this answer',
      tag: 'workflows',
      responses: {
        200: { description: 'Cancelled', schema: cancelledShape },
        409: { description: 'The run has ended', schema: null },
      },
    },
    handler: async (event) => {
      const run = await ownedRun(event);
      const cancelled = await cancelRuns(cancelDeps, run.tenantId, [run.id]);
      if (cancelled.length === 0)
        return json(409, {
          message: `The run has ended (${(await workflowStore.getRun(run.id))?.status})`,
        });
      return json(200, { cancelled });
    },
  },
  {
    method: 'DELETE',
    path: '/v1/workflow-runs',
    access: 'send',
    doc: {
      summary: 'Cancel every running run triggered with this cancellationKey',
      description:
        'Triggers to a topic under the key start no run after this answer (their state shows `cancelled`); every run already started under it is cancelled.',
      tag: 'workflows',
      query: cancelQuery,
      responses: {
        200: {
          description: 'The runs cancelled',
          schema: z.extend(cancelledShape, { triggers: z.array(z.string()) }),
        },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const key = event.queryStringParameters?.cancellationKey;
      if (!key)
        return json(400, {
          message: 'Invalid request',
          errors: [{ path: 'cancellationKey', message: 'is required' }],
        });
      return json(200, await cancelByCancellationKey(cancelDeps, tenantId, key));
    },
  },
];
