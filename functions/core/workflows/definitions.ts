import { ConflictError, NotFoundError, UnprocessableRequestError } from '../shared/errors';
import { parseDefinition, type SendContentCheck } from './definition';
import type { WorkflowDefinition, WorkflowRecord, WorkflowVersion } from './model';
import type { WorkflowRepository } from './ports';
import { checkReferences, type ReferenceLookup } from './template-sends';

/** 422 naming each send whose template or category does not exist (at PUT and at publish). */
async function requireReferences(definition: WorkflowDefinition, lookup?: ReferenceLookup) {
  const errors = lookup ? await checkReferences(definition, lookup) : [];
  if (errors.length > 0)
    throw new UnprocessableRequestError(
      errors,
      'A send names a template or category that does not exist',
    );
}

/*
 * Definitions: PUT stores a validated draft; publish freezes the draft as the next version
 * (immutable: a run started on version 3 keeps version 3 whatever is published after).
 */

/** Workflow keys as they appear in paths. */
export const WORKFLOW_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

export async function saveDraft(
  store: WorkflowRepository,
  check: SendContentCheck,
  input: { tenantId: string; key: string; body: unknown; now: number },
  lookup?: ReferenceLookup,
): Promise<WorkflowRecord> {
  const draft = parseDefinition(input.body, check);
  await requireReferences(draft, lookup);
  return store.putDraft(input.tenantId, input.key, draft, new Date(input.now).toISOString());
}

export async function publish(
  store: WorkflowRepository,
  input: { tenantId: string; key: string; now: number },
  lookup?: ReferenceLookup,
): Promise<WorkflowVersion> {
  const workflow = await store.getWorkflow(input.tenantId, input.key);
  if (!workflow) throw new NotFoundError('Workflow not found');
  // A template archived or a category removed since the draft was saved.
  await requireReferences(workflow.draft, lookup);
  const version: WorkflowVersion = {
    tenantId: input.tenantId,
    key: input.key,
    version: (workflow.latestVersion ?? 0) + 1,
    definition: workflow.draft,
    publishedAt: new Date(input.now).toISOString(),
  };
  if (!(await store.putVersion(version))) {
    throw new ConflictError('Another publish of this workflow is in progress; retry');
  }
  return version;
}

/** The version a trigger runs: the one asked for, else the latest published. */
export async function versionToRun(
  store: WorkflowRepository,
  tenantId: string,
  key: string,
  version?: number,
): Promise<WorkflowVersion> {
  const workflow = await store.getWorkflow(tenantId, key);
  const wanted = version ?? workflow?.latestVersion;
  const found =
    workflow && wanted !== undefined ? await store.getVersion(tenantId, key, wanted) : undefined;
  if (!found && workflow && version === undefined) {
    throw new ConflictError('Workflow has no published version: publish it first');
  }
  if (!found) {
    throw new NotFoundError(
      version === undefined ? 'Workflow not found' : 'Workflow version not found',
    );
  }
  return found;
}
