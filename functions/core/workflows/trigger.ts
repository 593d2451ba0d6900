import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import type { ProfileInput } from '../recipients/model';
import { parseProfileWithId, profileWithIdSchema, recipientId } from '../recipients/validation';
import { InvalidRequestError, UnprocessableRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import type { DataSchema } from '../templates/data-schema';
import { versionToRun } from './definitions';
import {
  MAX_TRIGGER_RECIPIENTS,
  type RunRecipient,
  type RunRecord,
  type WorkflowDefinition,
} from './model';
import type { WorkflowEngine, WorkflowRepository } from './ports';
import { isTimeZone, quietHoursSchema } from './step-schemas';
import { checkTriggerData, usesTemplates } from './template-sends';

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
export const triggerSchema = z.strictObject({
  to: z
    .array(targetSchema)
    .check(
      z.minLength(1),
      z.maxLength(MAX_TRIGGER_RECIPIENTS),
      z.describe(
        'recipient ids; or {id, ...profile fields} upserted first (workflows with template sends); or {id, email?, sms?, push?, ...} inline addresses (workflows with inline content)',
      ),
    ),
  data: z.optional(z.record(z.string(), z.unknown())),
  idempotencyKey: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  cancellationKey: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  version: z.optional(z.number().check(z.int(), z.minimum(1))),
});
const looseTrigger = z.extend(triggerSchema, {
  to: z
    .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
    .check(z.minLength(1), z.maxLength(MAX_TRIGGER_RECIPIENTS)),
});
export type TriggerRequest = z.output<typeof looseTrigger>;

/** Started (or, for a replayed idempotencyKey, found) runs. */
export interface Triggered {
  workflow: string;
  version: number;
  runs: { id: string; recipient: string; replayed?: true }[];
}

/** The request's shape; `to` items are checked against the version's form in triggerWorkflow. */
export function parseTrigger(body: unknown): TriggerRequest {
  const errors: FieldError[] = [];
  const parsed = validateAt(looseTrigger, body, [], errors);
  if (!parsed) throw new InvalidRequestError(errors);
  if (JSON.stringify(parsed.value.data ?? {}).length > 32_768) {
    errors.push({ path: 'data', message: 'must be at most 32 KiB as JSON' });
  }
  if (errors.length > 0) throw new InvalidRequestError(errors);
  return parsed.value;
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
  request.to.forEach((item, i) => {
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
    if (!deps.templates) throw new Error('template sends need the templates dependencies');
    const { schemaOf } = deps.templates;
    const dataErrors = await checkTriggerData(definition, request.data ?? {}, (ref) =>
      schemaOf(tenantId, ref),
    );
    if (dataErrors.length > 0)
      throw new UnprocessableRequestError(dataErrors, "The data does not fit a template's schema");
    if (upserts.length > 0) {
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
  },
  input: { tenantId: string; key: string; request: TriggerRequest; now: number },
): Promise<Triggered> {
  const { tenantId, key, request } = input;
  const version = await versionToRun(deps.store, tenantId, key, request.version);
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
