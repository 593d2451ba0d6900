import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { mapWithConcurrency } from '../shared/concurrency';
import { InvalidRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import { topicKey } from '../topics/model';
import { versionToRun } from './definitions';
import { MAX_TRIGGER_RECIPIENTS, type RunRecord, type WorkflowDefinition } from './model';
import type { WorkflowEngine, WorkflowRepository } from './ports';
import {
  type AcceptTopicTriggerDependencies,
  acceptTopicTrigger,
  type presentTrigger,
} from './topic-trigger';
import {
  checkData,
  recipientSchema,
  recipientsOf,
  type TriggerTemplateDependencies,
  targetSchema,
} from './trigger-recipients';

/*
 * POST /v1/workflows/{key}/trigger: one run per recipient of the latest (or a pinned) published
 * version. With an idempotencyKey the run ids are derived from it, so a retried trigger finds the
 * same runs and starts nothing twice (the engine's execution is named by the run id as well).
 */

/** The documented `to`: recipient ids, `{id, ...profile}` upserts, or inline addresses. */
/** `to: {topic}`: a run per subscriber, started asynchronously (core/workflows/topic-trigger.ts). */
const topicTarget = z.strictObject({ topic: topicKey });
export const triggerSchema = z.strictObject({
  to: z.union([
    z
      .array(targetSchema)
      .check(
        z.minLength(1),
        z.maxLength(MAX_TRIGGER_RECIPIENTS),
        z.describe(
          'recipient ids; or {id, ...profile fields} upserted first (workflows with template sends); or {id, email?, sms?, push?, ...} inline addresses (workflows with inline content)',
        ),
      ),
    z
      .extend(topicTarget, {})
      .check(
        z.describe(
          "a topic: one run per subscriber, started after the 202 (the answer's `trigger` shows progress)",
        ),
      ),
  ]),
  data: z.optional(z.record(z.string(), z.unknown())),
  idempotencyKey: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  cancellationKey: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  version: z.optional(z.number().check(z.int(), z.minimum(1))),
});
const toList = z
  .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
  .check(z.minLength(1), z.maxLength(MAX_TRIGGER_RECIPIENTS));
const looseTrigger = z.extend(triggerSchema, {
  to: z.union([toList, z.record(z.string(), z.unknown())]),
});
/** A list is checked as a list (its own messages: "at most 1000 items"), not as a union. */
const listTrigger = z.extend(triggerSchema, { to: toList });
export type TriggerRequest = z.output<typeof looseTrigger>;

/** Started (or, for a replayed idempotencyKey, found) runs. */
export interface Triggered {
  workflow: string;
  version: number;
  runs: { id: string; recipient: string; replayed?: true }[];
  /** A trigger to a topic: its runs start after the answer (GET /v1/workflow-triggers/{id}). */
  trigger?: ReturnType<typeof presentTrigger> & { replayed?: true };
}

/** The request's shape; `to` items are checked against the version's form in triggerWorkflow. */
export function parseTrigger(body: unknown): TriggerRequest {
  const errors: FieldError[] = [];
  const list = Array.isArray((body as { to?: unknown } | null)?.to);
  const parsed = validateAt(list ? listTrigger : looseTrigger, body, [], errors);
  if (!parsed) throw new InvalidRequestError(errors);
  if (JSON.stringify(parsed.value.data ?? {}).length > 32_768) {
    errors.push({ path: 'data', message: 'must be at most 32 KiB as JSON' });
  }
  if (errors.length > 0) throw new InvalidRequestError(errors);
  return parsed.value;
}

/** `to: {topic}`: the topic's key (400 at `to.topic`); undefined for a list. */
function topicOf(request: TriggerRequest): string | undefined {
  if (Array.isArray(request.to)) return undefined;
  const errors: FieldError[] = [];
  const target = validateAt(topicTarget, request.to, ['to'], errors);
  if (!target) throw new InvalidRequestError(errors);
  return target.value.topic;
}

function runIdOf(
  tenantId: string,
  key: string,
  idempotencyKey: string | undefined,
  recipient: string,
) {
  if (idempotencyKey === undefined) return `run_${randomUUID()}`;
  const digest = createHash('sha256')
    .update([tenantId, key, idempotencyKey, recipient].join('\u0000'))
    .digest('base64url');
  return `run_${digest.slice(0, 32)}`;
}

export async function triggerWorkflow(
  deps: {
    store: WorkflowRepository;
    engine: WorkflowEngine;
    templates?: TriggerTemplateDependencies;
    topics?: AcceptTopicTriggerDependencies;
  },
  input: { tenantId: string; key: string; request: TriggerRequest; now: number },
): Promise<Triggered> {
  const { tenantId, key, request } = input;
  const version = await versionToRun(deps.store, tenantId, key, request.version);
  const topic = topicOf(request);
  if (topic !== undefined) {
    if (!deps.topics) throw new Error('a trigger to a topic needs the topic trigger dependencies');
    await checkData(deps, tenantId, version.definition, request.data ?? {});
    return acceptTopicTrigger(deps.topics, {
      tenantId,
      key,
      version: version.version,
      topic,
      data: request.data ?? {},
      now: input.now,
      ...(request.idempotencyKey !== undefined && { idempotencyKey: request.idempotencyKey }),
      ...(request.cancellationKey !== undefined && { cancellationKey: request.cancellationKey }),
    });
  }
  return startRunsFor(deps, {
    ...input,
    version: version.version,
    definition: version.definition,
  });
}

/**
 * One run per `to` item of `definition` (checked, profiles upserted, data against the templates'
 * schemas first). `inline`: the runs carry the definition (the routing shorthand's, version 0).
 */
export async function startRunsFor(
  deps: {
    store: WorkflowRepository;
    engine: WorkflowEngine;
    templates?: TriggerTemplateDependencies;
  },
  input: {
    tenantId: string;
    key: string;
    version: number;
    definition: WorkflowDefinition;
    inline?: boolean;
    request: TriggerRequest;
    now: number;
  },
): Promise<Triggered> {
  const { tenantId, key, request, definition } = input;
  const version = { version: input.version };
  const recipients = await recipientsOf(deps, tenantId, definition, request);
  const at = new Date(input.now).toISOString();
  // All the runs recorded (their index entries batched), then every execution started: a run
  // found again (a replayed trigger) is started again too, a start lost before is made good.
  const found = await deps.store.createRuns(
    recipients.map(
      (recipient): RunRecord => ({
        id: runIdOf(tenantId, key, request.idempotencyKey, recipient.id),
        tenantId,
        workflowKey: key,
        version: version.version,
        recipient,
        data: request.data ?? {},
        status: 'running',
        createdAt: at,
        updatedAt: at,
        steps: {},
        ...(input.inline && { definition }),
        ...(request.cancellationKey !== undefined && { cancellationKey: request.cancellationKey }),
        ...(request.idempotencyKey !== undefined && { idempotencyKey: request.idempotencyKey }),
      }),
    ),
  );
  // Asynchronous invokes: 1,000 well within the api timeout.
  await mapWithConcurrency(found, 64, async ({ run }) => {
    if (run.status === 'running') await deps.engine.start(run.id, { runId: run.id });
  });
  // Answered in the order of `to`.
  const runs: Triggered['runs'] = found.map(({ created, run }, i) => ({
    id: run.id,
    recipient: recipients[i]?.id ?? run.recipient.id,
    ...(!created && { replayed: true as const }),
  }));
  return { workflow: key, version: version.version, runs };
}

/** Records the run (or finds it, for a repeated id) and starts its execution. */
export async function startRun(
  deps: { store: WorkflowRepository; engine: WorkflowEngine },
  run: RunRecord,
): Promise<{ created: boolean; run: RunRecord }> {
  const found = await deps.store.createRun(run);
  // Started again even when found: a start lost after the write is made good by the retry.
  if (found.run.status === 'running')
    await deps.engine.start(found.run.id, { runId: found.run.id });
  return found;
}

/** The id of a run for (tenant, workflow, idempotency key, recipient): a new one without a key. */
export { recipientSchema, runIdOf, type TriggerTemplateDependencies };
