import * as z from 'zod/mini';
import { parseV1Request } from '../../core/notifications/requests';
import { NotFoundError } from '../../core/shared/errors';
import { definitionSchema, type SendContentCheck } from '../../core/workflows/definition';
import { publish, saveDraft, WORKFLOW_KEY } from '../../core/workflows/definitions';
import type { WorkflowRecord } from '../../core/workflows/model';
import { atStep, SAMPLE_RECIPIENT, sendBody } from '../../core/workflows/send-request';
import { json, parseJsonBody } from '../../runtime/http';
import { type ApiRoute, config, pathParameter, queue, tenantOf } from './context';
import { workflowStore } from './workflow-context';
import { workflowRunRoutes } from './workflow-runs';
import { workflowReferences } from './workflow-templates';
import { workflowTriggerRoutes } from './workflow-triggers';

/*
 * Workflow definitions: PUT a draft (validated whole, paths in every error), publish it as an
 * immutable version, read them. Triggers and runs are in workflow-runs.ts.
 */

/** A send step's content checked as the notification it will become, with sample addresses. */
export const checkSendContent: SendContentCheck = (step, at) => {
  // A template send's content is the published template's, checked when it was published.
  if (step.template) return [];
  const body = sendBody({ ...step, mode: 'all' }, SAMPLE_RECIPIENT, {});
  if (!body) return [];
  const result = parseV1Request(body, {
    maxRecipientsPerChannel: config.maxRecipientsPerChannel,
    enabledChannels: queue.channels,
    now: Date.now(),
    maxScheduleAheadMs: config.maxScheduleAheadMs,
    ...(config.senderDomain && { senderDomain: config.senderDomain }),
    ...(config.mqttTopicPrefix && { mqttTopicPrefix: config.mqttTopicPrefix, tenantId: 'sample' }),
  });
  return result.ok ? [] : atStep(result.errors, at);
};

function keyOf(event: Parameters<ApiRoute['handler']>[0]): string {
  const key = pathParameter(event, 'key', 'Workflow');
  if (!WORKFLOW_KEY.test(key)) throw new NotFoundError('Workflow not found');
  return key;
}

const present = ({ tenantId: _t, ...workflow }: WorkflowRecord) => workflow;

const workflowShape = z.object({
  key: z.string(),
  draft: definitionSchema,
  updatedAt: z.string(),
  latestVersion: z.optional(z.number()),
});
const versionShape = z.object({
  key: z.string(),
  version: z.number(),
  definition: definitionSchema,
  publishedAt: z.string(),
});
const versionQuery = z.object({
  version: z
    .optional(z.coerce.number().check(z.int(), z.minimum(1)))
    .check(z.describe('a published version; default the draft')),
});

const definitionRoutes: ApiRoute[] = [
  {
    method: 'PUT',
    path: '/v1/workflows/{key}',
    access: 'admin',
    doc: {
      summary: 'Create or replace a workflow draft',
      description:
        'Steps `send` (a `template` {key, version?} with optional `channels`, `mode` all|any and `category`; or inline `content` per channel), `delay`, `waitFor`, `branch`, `digest`, `throttle`; settings `critical`, `quietHours`. Validated whole: unknown step references, loops (a reference to a step that does not run before), waits over 365 days and bad content are 400s naming the path; a template or category that does not exist is a 422 at its path (checked again at publish). Runs use published versions only.',
      tag: 'workflows',
      body: definitionSchema,
      responses: {
        200: { description: 'The stored draft', schema: workflowShape },
        422: {
          description: 'A send names a template or category that does not exist',
          schema: null,
        },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const key = keyOf(event);
      const body = parseJsonBody(event, config.maxBodyBytes);
      const saved = await saveDraft(
        workflowStore,
        checkSendContent,
        { tenantId, key, body, now: Date.now() },
        workflowReferences(tenantId),
      );
      return json(200, present(saved));
    },
  },
  {
    method: 'POST',
    path: '/v1/workflows/{key}/publish',
    access: 'admin',
    doc: {
      summary: 'Publish the draft as the next immutable version',
      tag: 'workflows',
      responses: {
        201: { description: 'The new version', schema: versionShape },
        409: { description: 'Another publish took this version number; retry', schema: null },
        422: {
          description: 'A send names a template or category that does not exist',
          schema: null,
        },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const { tenantId: _t, ...version } = await publish(
        workflowStore,
        { tenantId, key: keyOf(event), now: Date.now() },
        workflowReferences(tenantId),
      );
      return json(201, version);
    },
  },
  {
    method: 'GET',
    path: '/v1/workflows/{key}',
    access: 'read',
    doc: {
      summary: 'A workflow: its draft, or with `version` a published version',
      tag: 'workflows',
      query: versionQuery,
      responses: {
        200: {
          description: 'The workflow or version',
          schema: z.union([workflowShape, versionShape]),
        },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const key = keyOf(event);
      const raw = event.queryStringParameters?.version;
      if (raw !== undefined) {
        const version = Number(raw);
        const found =
          Number.isInteger(version) && version > 0
            ? await workflowStore.getVersion(tenantId, key, version)
            : undefined;
        if (!found) throw new NotFoundError('Workflow version not found');
        const { tenantId: _t, ...rest } = found;
        return json(200, rest);
      }
      const workflow = await workflowStore.getWorkflow(tenantId, key);
      if (!workflow) throw new NotFoundError('Workflow not found');
      return json(200, present(workflow));
    },
  },
  {
    method: 'GET',
    path: '/v1/workflows',
    access: 'read',
    doc: {
      summary: "The tenant's workflows",
      tag: 'workflows',
      responses: {
        200: { description: 'Every workflow', schema: z.object({ items: z.array(workflowShape) }) },
      },
    },
    handler: async (event) => {
      const items = await workflowStore.listWorkflows(tenantOf(event));
      return json(200, { items: items.map(present) });
    },
  },
];

/** Definitions, triggers and runs. */
export const workflowRoutes: ApiRoute[] = [
  ...definitionRoutes,
  ...workflowRunRoutes,
  ...workflowTriggerRoutes,
];
