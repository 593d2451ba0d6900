import type {
  RunRecord,
  RunStatus,
  StepRecord,
  WorkflowDefinition,
  WorkflowRecord,
  WorkflowVersion,
} from './model';

/** Where definitions, versions and runs are kept (DynamoDB: adapters/dynamodb/workflow-store). */
export interface WorkflowRepository {
  putDraft(
    tenantId: string,
    key: string,
    draft: WorkflowDefinition,
    at: string,
  ): Promise<WorkflowRecord>;
  getWorkflow(tenantId: string, key: string): Promise<WorkflowRecord | undefined>;
  listWorkflows(tenantId: string): Promise<WorkflowRecord[]>;
  /** Writes version `version` unless it exists (false whenTrue: another publish took it). */
  putVersion(version: WorkflowVersion): Promise<boolean>;
  getVersion(tenantId: string, key: string, version: number): Promise<WorkflowVersion | undefined>;

  /** Creates the run unless one with its id exists; the existing one otherwise. */
  createRun(run: RunRecord): Promise<{ created: boolean; run: RunRecord }>;
  /** createRun for many (a trigger's): the index entries batched; answers in the input order. */
  createRuns(runs: readonly RunRecord[]): Promise<{ created: boolean; run: RunRecord }[]>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  listRuns(
    tenantId: string,
    filter: { workflow?: string; recipient?: string; limit: number },
  ): Promise<RunRecord[]>;
  runsByCancellationKey(tenantId: string, cancellationKey: string): Promise<string[]>;
  /** Records what a step decided (idempotent per step id). */
  recordStep(runId: string, step: StepRecord): Promise<void>;
  /** Moves a running run to a final status; false when it was not running. */
  finishRun(runId: string, status: RunStatus, reason?: string): Promise<boolean>;
}

/**
 * The durable engine: starts a run's execution (named by the run id, so a repeated start is the
 * same execution) and completes a callback a run waits on.
 */
export interface WorkflowEngine {
  start(runId: string, payload: { runId: string }): Promise<void>;
  completeCallback(callbackId: string, result: unknown): Promise<void>;
}
