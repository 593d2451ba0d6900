import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { InvalidRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import { versionToRun } from './definitions';
import { MAX_TRIGGER_RECIPIENTS, type RunRecord } from './model';
import type { WorkflowEngine, WorkflowRepository } from './ports';
import { isTimeZone, quietHoursSchema } from './step-schemas';

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
export const triggerSchema = z.strictObject({
  to: z.array(recipientSchema).check(z.minLength(1), z.maxLength(MAX_TRIGGER_RECIPIENTS)),
  data: z.optional(z.record(z.string(), z.unknown())),
  idempotencyKey: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  cancellationKey: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  version: z.optional(z.number().check(z.int(), z.minimum(1))),
});
export type TriggerRequest = z.output<typeof triggerSchema>;

/** Started (or, for a replayed idempotencyKey, found) runs. */
export interface Triggered {
  workflow: string;
  version: number;
  runs: { id: string; recipient: string; replayed?: true }[];
}

export function parseTrigger(body: unknown): TriggerRequest {
  const errors: FieldError[] = [];
  const parsed = validateAt(triggerSchema, body, [], errors);
  if (!parsed) throw new InvalidRequestError(errors);
  const ids = new Set<string>();
  parsed.value.to.forEach((r, i) => {
    if (ids.has(r.id)) errors.push({ path: `to[${i}].id`, message: 'appears twice' });
    ids.add(r.id);
  });
  if (JSON.stringify(parsed.value.data ?? {}).length > 32_768) {
    errors.push({ path: 'data', message: 'must be at most 32 KiB as JSON' });
  }
  if (errors.length > 0) throw new InvalidRequestError(errors);
  return parsed.value;
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
  deps: { store: WorkflowRepository; engine: WorkflowEngine },
  input: { tenantId: string; key: string; request: TriggerRequest; now: number },
): Promise<Triggered> {
  const { tenantId, key, request } = input;
  const version = await versionToRun(deps.store, tenantId, key, request.version);
  const at = new Date(input.now).toISOString();
  const runs: Triggered['runs'] = [];
  // Each run is a few writes and an asynchronous invoke: 1,000 recipients well within the api timeout.
  const concurrency = 64;
  const queue = [...request.to];
  const worker = async () => {
    for (let recipient = queue.shift(); recipient; recipient = queue.shift()) {
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
      runs.push({
        id: stored.id,
        recipient: recipient.id,
        ...(!created && { replayed: true as const }),
      });
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
