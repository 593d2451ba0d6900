import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import type { ProfileInput } from '../recipients/model';
import { parseProfileWithId, profileWithIdSchema, recipientId } from '../recipients/validation';
import { InvalidRequestError, UnprocessableRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import type { DataSchema } from '../templates/data-schema';
import { topicKey } from '../topics/model';
import { versionToRun } from './definitions';
import {
  MAX_TRIGGER_RECIPIENTS,
  type RunRecipient,
  type RunRecord,
  type WorkflowDefinition,
} from './model';
import type { WorkflowEngine, WorkflowRepository } from './ports';
import { isTimeZone, quietHoursSchema } from './step-schemas';
import { checkTriggerData, sendStepsOf, usesTemplates } from './template-sends';
import {
  type AcceptTopicTriggerDependencies,
  acceptTopicTrigger,
  type presentTrigger,
} from './topic-trigger';

/*
 * POST /v1/workflows/{key}/trigger: one run per recipient of the latest (or a pinned) published
 * version. With an idempotencyKey the run ids are derived from it, so a retried trigger finds the
 * same runs and starts nothing twice (the engine's execution is named by the run id as well).
 */

const address = z.optional(z.string().check(z.minLength(1), z.maxLength(512)));
export const recipientSchema = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(128)),
  email: address,
  sms: address,
  whatsapp: address,
  push: address,
  slack: address,
  mqtt: address,
  timezone: z.optional(z.string().check(z.refine(isTimeZone, 'must be an IANA time zone'))),
  quietHours: z.optional(quietHoursSchema),
  attributes: z.optional(z.record(z.string(), z.unknown())),
});
/** The documented `to`: recipient ids, `{id, ...profile}` upserts, or inline addresses. */
const targetSchema = z.union([recipientId, profileWithIdSchema, recipientSchema]);
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

/** The checks of `to` that the version decides; `{topic}` needs sends to recipient ids. */
function topicOf(request: TriggerRequest, definition: WorkflowDefinition): string | undefined {
  if (Array.isArray(request.to)) return undefined;
  const errors: FieldError[] = [];
  const target = validateAt(topicTarget, request.to, ['to'], errors);
  if (target && sendStepsOf(definition.steps).some((s) => s.step.template === undefined)) {
    errors.push({
      path: 'to.topic',
      message:
        'this workflow sends inline content to inline addresses: trigger it with to: [{id, email?, sms?, ...}] (a topic needs sends with templates)',
    });
  }
  if (!target || errors.length > 0) throw new InvalidRequestError(errors);
  return target.value.topic;
}

/** What a trigger of a workflow with template sends needs (the api's recipients and templates). */
export interface TriggerTemplateDependencies {
  /** Upserts inline profiles; the errors of those refused, at `to[i].<field>`. */
  upsertProfiles(
    tenantId: string,
    items: { id: string; input: ProfileInput; at: string }[],
  ): Promise<FieldError[]>;
  schemaOf(
    tenantId: string,
    ref: { key: string; version?: number },
  ): Promise<DataSchema | undefined>;
}

/** The trigger data against each template's data schema: a 422 at `data.<field>`. */
async function checkData(
  deps: { templates?: TriggerTemplateDependencies },
  tenantId: string,
  definition: WorkflowDefinition,
  data: Record<string, unknown>,
) {
  if (!usesTemplates(definition)) return;
  if (!deps.templates) throw new Error('template sends need the templates dependencies');
  const { schemaOf } = deps.templates;
  const errors = await checkTriggerData(definition, data, (ref) => schemaOf(tenantId, ref));
  if (errors.length > 0)
    throw new UnprocessableRequestError(errors, "The data does not fit a template's schema");
}

/**
 * Each `to` item as a run recipient: ids as they are; objects as profiles to upsert (template
 * workflows) or inline addresses (inline-content workflows). Then the data against each
 * template's schema (422). Nothing is written before every check passed but the upserts.
 */
async function recipientsOf(
  deps: { templates?: TriggerTemplateDependencies },
  tenantId: string,
  definition: WorkflowDefinition,
  request: TriggerRequest,
): Promise<RunRecipient[]> {
  const errors: FieldError[] = [];
  const templated = usesTemplates(definition);
  const out: RunRecipient[] = [];
  const upserts: { id: string; input: ProfileInput; at: string }[] = [];
  (Array.isArray(request.to) ? request.to : []).forEach((item, i) => {
    if (typeof item === 'string') {
      const id = validateAt(recipientId, item, ['to', i], errors);
      if (id) out.push({ id: id.value });
    } else if (templated) {
      const profile = parseProfileWithId(item, ['to', i], errors);
      if (profile) {
        const { id, ...input } = profile;
        upserts.push({ id, input, at: `to[${i}]` });
        out.push({ id });
      }
    } else {
      const r = validateAt(recipientSchema, item, ['to', i], errors);
      if (r) out.push(r.value);
    }
  });
  const ids = new Set<string>();
  out.forEach((r, i) => {
    if (ids.has(r.id)) errors.push({ path: `to[${i}].id`, message: 'appears twice' });
    ids.add(r.id);
  });
  if (errors.length > 0) throw new InvalidRequestError(errors);
  if (templated) {
    await checkData(deps, tenantId, definition, request.data ?? {});
    if (upserts.length > 0 && deps.templates) {
      const refused = await deps.templates.upsertProfiles(tenantId, upserts);
      if (refused.length > 0) throw new InvalidRequestError(refused);
    }
  }
  return out;
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
  const topic = topicOf(request, version.definition);
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
  const recipients = await recipientsOf(deps, tenantId, version.definition, request);
  const at = new Date(input.now).toISOString();
  const runs: Triggered['runs'] = [];
  // Each run is a few writes and an asynchronous invoke: 1,000 recipients well within the api timeout.
  const concurrency = 64;
  // Answered in the order of `to`, whichever run was started first.
  const queue = recipients.map((recipient, index) => ({ recipient, index }));
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { recipient, index } = next;
      const run: RunRecord = {
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
        ...(request.cancellationKey !== undefined && { cancellationKey: request.cancellationKey }),
        ...(request.idempotencyKey !== undefined && { idempotencyKey: request.idempotencyKey }),
      };
      const { created, run: stored } = await startRun(deps, run);
      runs[index] = {
        id: stored.id,
        recipient: recipient.id,
        ...(!created && { replayed: true as const }),
      };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
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
export { runIdOf };
