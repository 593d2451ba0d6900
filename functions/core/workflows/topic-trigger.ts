import { createHash, randomUUID } from 'node:crypto';
import { NotFoundError } from '../shared/errors';

/*
 * A trigger to a topic (`POST /v1/workflows/{key}/trigger {to: {topic}}`): the api records the
 * trigger's state and puts its first page on the workflow trigger queue, then answers 202 at once
 * whatever the audience; the trigger stage (topic-trigger-page.ts) pages the topic's subscribers
 * and starts one run per subscriber. A topic send's fan-out (core/topics/fanout.ts) works the same
 * way: a checkpoint per trigger, only the message for the page it names moves it.
 */

export type TopicTriggerStatus = 'running' | 'done' | 'cancelled';

/** A trigger's checkpoint: what to start, where the subscriber listing resumes, counts so far. */
export interface TopicTriggerState {
  id: string;
  tenantId: string;
  workflowKey: string;
  /** The version every run of this trigger runs (pinned at the trigger). */
  version: number;
  topic: string;
  data: Record<string, unknown>;
  status: TopicTriggerStatus;
  cancellationKey?: string;
  idempotencyKey?: string;
  /** Where the next page of subscribers starts; absent on the first page. */
  cursor?: string;
  /** The page the next message works on. */
  page: number;
  /** Subscribers read so far. */
  subscribers: number;
  /** Runs of this trigger so far, one per subscriber read (a re-run page counts once). */
  started: number;
  createdAt: string;
  updatedAt: string;
}

/** The trigger queue's message: work on page `page` of trigger `triggerId`. */
export interface TopicTriggerMessage {
  v: 1;
  triggerId: string;
  page: number;
}

/** Where trigger states are kept (adapters/dynamodb/workflow-trigger-store.ts). */
export interface TopicTriggerStore {
  /**
   * Writes a new trigger (open: counted as stalled from `stallAt` until its checkpoint moves it);
   * the existing one (a replayed idempotencyKey) when its id is taken.
   */
  create(
    state: TopicTriggerState,
    stallAt: number,
  ): Promise<{ created: boolean; state: TopicTriggerState }>;
  /** Strongly consistent. */
  get(triggerId: string): Promise<TopicTriggerState | undefined>;
  /**
   * Moves the checkpoint past `page` (only while it names that page and is running). False when
   * another copy came first or the trigger was cancelled.
   */
  checkpoint(
    triggerId: string,
    page: number,
    next: { cursor?: string; done: boolean; now: string; stallAt: number },
    add: { subscribers: number; started: number },
  ): Promise<boolean>;
  /** Running triggers whose checkpoint has not moved by `now` (the reconciler re-sends their page). */
  stalled(now: number, limit: number): Promise<string[]>;
  /** Pushes a trigger's stall time out (its page was just re-sent). */
  touch(triggerId: string, stallAt: number): Promise<void>;
  /** Marks the tenant's running triggers with this cancellationKey cancelled; their ids. */
  cancelByKey(tenantId: string, cancellationKey: string, now: string): Promise<string[]>;
}

export interface TopicTriggerQueue {
  send(message: Omit<TopicTriggerMessage, 'v'>): Promise<void>;
}

/** The id of a trigger: derived from the idempotency key (a retry finds it), new without one. */
export function topicTriggerIdOf(
  tenantId: string,
  key: string,
  idempotencyKey: string | undefined,
): string {
  if (idempotencyKey === undefined) return `wtr_${randomUUID().replaceAll('-', '')}`;
  const digest = createHash('sha256')
    .update(['topic-trigger', tenantId, key, idempotencyKey].join('\u0000'))
    .digest('base64url');
  return `wtr_${digest.slice(0, 32)}`;
}

/** The run of a trigger for one subscriber: the same id however often its page is re-run. */
export function topicRunIdOf(triggerId: string, recipientId: string): string {
  const digest = createHash('sha256')
    .update(`${triggerId}\u0000${recipientId}`)
    .digest('base64url');
  return `run_${digest.slice(0, 32)}`;
}

/** What the api answers and GET /v1/workflow-triggers/{id} shows. */
export function presentTrigger(state: TopicTriggerState) {
  const { tenantId: _t, cursor: _c, data: _d, page, ...rest } = state;
  return { ...rest, pages: page, done: state.status !== 'running' };
}

export interface AcceptTopicTriggerDependencies {
  triggers: TopicTriggerStore;
  queue: TopicTriggerQueue;
  /** A checkpoint that has not moved for this long counts as stalled. */
  stallAfterMs: number;
  topicExists(tenantId: string, topic: string): Promise<boolean>;
}

/**
 * Records the trigger and queues its first page; nothing here grows with the audience. An unknown
 * topic is a 404 (as a topic send: a typo should not look like a trigger to nobody); an empty
 * topic is accepted and ends on its first page with no runs. A replayed idempotencyKey answers
 * the trigger it made (`replayed`) and queues its current page again (harmless: a page already
 * done is recognised by the checkpoint), which also makes good a first message lost before.
 */
export async function acceptTopicTrigger(
  deps: AcceptTopicTriggerDependencies,
  input: {
    tenantId: string;
    key: string;
    version: number;
    topic: string;
    data: Record<string, unknown>;
    idempotencyKey?: string;
    cancellationKey?: string;
    now: number;
  },
) {
  const { tenantId, key, topic } = input;
  if (!(await deps.topicExists(tenantId, topic)))
    throw new NotFoundError(`Topic ${topic} not found`);
  const at = new Date(input.now).toISOString();
  const { created, state } = await deps.triggers.create(
    {
      id: topicTriggerIdOf(tenantId, key, input.idempotencyKey),
      tenantId,
      workflowKey: key,
      version: input.version,
      topic,
      data: input.data,
      status: 'running',
      page: 0,
      subscribers: 0,
      started: 0,
      createdAt: at,
      updatedAt: at,
      ...(input.cancellationKey !== undefined && { cancellationKey: input.cancellationKey }),
      ...(input.idempotencyKey !== undefined && { idempotencyKey: input.idempotencyKey }),
    },
    input.now + deps.stallAfterMs,
  );
  if (state.status === 'running') await deps.queue.send({ triggerId: state.id, page: state.page });
  return {
    workflow: key,
    version: state.version,
    runs: [],
    trigger: { ...presentTrigger(state), ...(!created && { replayed: true as const }) },
  };
}

export function encodeTopicTriggerMessage(message: Omit<TopicTriggerMessage, 'v'>): string {
  return JSON.stringify({ v: 1, triggerId: message.triggerId, page: message.page });
}

/** A body that is not a trigger message is undefined (dropped: no retry could read it). */
export function decodeTopicTriggerMessage(body: string): TopicTriggerMessage | undefined {
  try {
    const value = JSON.parse(body) as Partial<TopicTriggerMessage>;
    if (
      value.v === 1 &&
      typeof value.triggerId === 'string' &&
      Number.isInteger(value.page) &&
      (value.page as number) >= 0
    )
      return value as TopicTriggerMessage;
  } catch {
    // not JSON
  }
  return undefined;
}
