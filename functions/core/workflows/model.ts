import type { Channel } from '../shared/vocabulary';

/*
 * Workflows: a tenant's definitions (a draft, then immutable published versions) and the runs a
 * trigger starts, one per recipient, on a durable engine (Lambda durable functions).
 */

/** What a `waitFor` step waits for one of the send step's deliveries to reach. */
export const WAIT_STATUSES = [
  'sent',
  'delivered',
  'failed',
  'suppressed',
  'bounced',
  'complained',
  'undelivered',
  'cancelled',
  'skipped',
] as const;
export type WaitStatus = (typeof WAIT_STATUSES)[number];

/** How a `waitFor` ended; a branch reads it. */
export const WAIT_OUTCOMES = ['met', 'notMet', 'timedOut'] as const;
export type WaitOutcome = (typeof WAIT_OUTCOMES)[number];

/** A branch condition: a wait's outcome, or a value of the trigger data or the recipient. */
export type Condition =
  | { step: string; outcome: WaitOutcome }
  | { path: string; equals?: unknown; exists?: boolean };

export interface SendStep {
  id: string;
  type: 'send';
  /**
   * In order of preference. Required with `content`; with `template` it narrows the template's
   * channels (absent: every channel the template has).
   */
  channels?: Channel[];
  /**
   * `all` (default): every listed channel the recipient has; `any` (alias `first`): only the
   * first listed channel the recipient can be reached on (healthy address, not opted out).
   */
  mode?: 'all' | 'first' | 'any';
  /** A published template (its latest version, or `version`), rendered per recipient. */
  template?: { key: string; version?: number };
  /** Inline content per channel (the routing shorthand's form; runs with inline addresses). */
  content?: Partial<Record<Channel, Record<string, unknown>>>;
  category?: string;
}
export interface DelayStep {
  id: string;
  type: 'delay';
  /** `10m`... or */
  duration?: string;
  /** `HH:MM`, the next such time in the recipient's timezone. */
  until?: string;
}
export interface WaitForStep {
  id: string;
  type: 'waitFor';
  /** A send step run before this one. */
  step: string;
  status: WaitStatus;
  timeout: string;
}
export interface BranchStep {
  id: string;
  type: 'branch';
  if: Condition;
  whenTrue: Step[];
  whenFalse: Step[];
}
export interface DigestStep {
  id: string;
  type: 'digest';
  /** Collect for this long: `fixed` windows aligned to the recipient's clock (default), `sliding` from the first event. */
  window: string;
  mode?: 'fixed' | 'sliding';
  /** `data.<field>` or `recipient.<field>` naming the digest key; default the recipient id. */
  key?: string;
}
export interface ThrottleStep {
  id: string;
  type: 'throttle';
  /**
   * At most `limit` runs per key per `window`; the rest end `throttled` (`overflow: drop`, the
   * default) or are folded into one digest sent when the window ends (`overflow: digest`: the
   * first run over the limit leads it and goes on with `digest` {count, events}; the others end
   * `folded`).
   */
  limit: number;
  window: string;
  key?: string;
  overflow?: 'drop' | 'digest';
}
export type Step = SendStep | DelayStep | WaitForStep | BranchStep | DigestStep | ThrottleStep;
export type StepType = Step['type'];

/** `HH:MM`-`HH:MM` in a timezone (the recipient's unless given): sends inside wait for the end. */
export interface QuietHours {
  start: string;
  end: string;
  timezone?: string;
}

export interface WorkflowDefinition {
  steps: Step[];
  /** Critical workflows ignore quiet hours. */
  critical?: boolean;
  quietHours?: QuietHours;
  description?: string;
}

/** A workflow as stored: the draft and the number of the latest published version. */
export interface WorkflowRecord {
  tenantId: string;
  key: string;
  draft: WorkflowDefinition;
  updatedAt: string;
  latestVersion?: number;
}

/** An immutable published version. */
export interface WorkflowVersion {
  tenantId: string;
  key: string;
  version: number;
  definition: WorkflowDefinition;
  publishedAt: string;
}

/**
 * Who a run is for: a recipient id (its profile gives addresses, locale, timezone, preferences at
 * send time), or, for inline-content runs (routing shorthand), the caller's id and inline addresses.
 */
export interface RunRecipient {
  id: string;
  email?: string;
  sms?: string;
  whatsapp?: string;
  push?: string;
  slack?: string;
  mqtt?: string;
  /** IANA zone; default UTC. */
  timezone?: string;
  quietHours?: QuietHours;
  attributes?: Record<string, unknown>;
}

export const RUN_STATUSES = [
  'running',
  'completed',
  'failed',
  'cancelled',
  'throttled',
  'folded',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINAL_RUN_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter((s) => s !== 'running');

/** What one step decided, when and why, and which deliveries it made. */
export interface StepRecord {
  id: string;
  type: StepType;
  at: string;
  decision: string;
  why?: string;
  notificationId?: string;
  deliveries?: { id: string; channel: Channel; status?: string }[];
  until?: string;
}

export interface RunRecord {
  id: string;
  tenantId: string;
  workflowKey: string;
  version: number;
  recipient: RunRecipient;
  data: Record<string, unknown>;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  cancellationKey?: string;
  idempotencyKey?: string;
  reason?: string;
  steps: Record<string, StepRecord>;
  /** The trigger to a topic that started it (GET /v1/workflow-triggers/{id}). */
  triggerId?: string;
  /** A run built from a request (routing shorthand) carries its own definition. */
  definition?: WorkflowDefinition;
}

/** At most this many recipients per trigger. */
export const MAX_TRIGGER_RECIPIENTS = 1_000;
/** The longest any single wait may be (the durable execution's timeout is 366 days). */
export const MAX_WAIT_SECONDS = 365 * 86_400;
/** The longest a whole run may wait, summed along its longest path. */
export const MAX_RUN_WAIT_SECONDS = 365 * 86_400;
export const MAX_STEPS = 100;
export const MAX_BRANCH_DEPTH = 5;
