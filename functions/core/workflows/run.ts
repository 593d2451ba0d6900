import { evaluate } from './conditions';
import { parseDuration } from './duration';
import { DIGEST_GRACE_MS, type GateStore, gateWindow } from './gates';
import { nextLocalTime, quietHoursEnd } from './local-time';
import type {
  RunRecord,
  RunStatus,
  SendStep,
  Step,
  StepRecord,
  WaitForStep,
  WaitOutcome,
  WorkflowDefinition,
} from './model';

/*
 * One run, step by step, on a durable engine. Everything that reads the clock, the table or the
 * outside world happens inside `ops.step` (checkpointed: a replay gets the recorded answer, never
 * a second send); waits are `ops.sleep` and `ops.waitForCallback` (no compute while waiting).
 * The engine binding (Lambda durable functions) is in handlers/workflow.ts.
 */

/** The durable operations a run needs (the SDK's DurableContext, narrowed). */
export interface DurableOps {
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  sleep(name: string, seconds: number): Promise<void>;
  /** The callback's result, or undefined when `timeoutSeconds` passed first. */
  waitForCallback(
    name: string,
    submit: (callbackId: string) => Promise<void>,
    timeoutSeconds: number,
  ): Promise<string | undefined>;
}

/** What a send step did. */
export type SendResult =
  | { sent: true; notificationId: string; deliveries: { id: string; channel: string }[] }
  | { sent: false; decision: 'skipped' | 'cancelled' | 'failed'; why: string };

/** The outside world of a run: the table, the ingest use-case, the engine's callbacks. */
export interface RunEffects {
  load(runId: string): Promise<{ run: RunRecord; definition: WorkflowDefinition }>;
  /** Creates the step's notification at most once per (run, step); refuses once cancelled. */
  send(
    run: RunRecord,
    step: SendStep,
    definition: WorkflowDefinition,
    digest?: Digest,
  ): Promise<SendResult>;
  gates: GateStore;
  record(runId: string, step: StepRecord): Promise<void>;
  /** Registers the wait and completes the callback at once if the deliveries already decide it. */
  watch(
    run: RunRecord,
    wait: WaitForStep,
    notificationId: string,
    callbackId: string,
  ): Promise<void>;
  /** Stops watching (the wait ended). */
  unwatch(run: RunRecord, wait: WaitForStep): Promise<void>;
  finish(runId: string, status: RunStatus, reason?: string): Promise<void>;
  now(): number;
}

/** What a digest collected, for the sends after it. */
export interface Digest {
  count: number;
  events: Record<string, unknown>[];
}

interface RunState {
  run: RunRecord;
  definition: WorkflowDefinition;
  outcomes: Record<string, WaitOutcome>;
  sends: Record<string, string>;
  digest?: Digest;
}

class RunEnded extends Error {
  constructor(
    readonly status: RunStatus,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const iso = (at: number) => new Date(at).toISOString();

/** Runs `runId` to its end; the run's final status. */
export async function executeRun(
  ops: DurableOps,
  fx: RunEffects,
  runId: string,
): Promise<RunStatus> {
  const { run, definition } = await ops.step('load', () => fx.load(runId));
  if (run.status !== 'running') return run.status;
  const state: RunState = { run, definition, outcomes: {}, sends: {} };
  let status: RunStatus = 'completed';
  let reason: string | undefined;
  try {
    await walk(ops, fx, state, definition.steps);
  } catch (error) {
    if (error instanceof RunEnded) {
      status = error.status;
      reason = error.reason;
    } else {
      // A run never hangs on a bad step: it ends failed with the reason.
      status = 'failed';
      reason = error instanceof Error ? error.message : String(error);
    }
  }
  await ops.step('finish', () => fx.finish(runId, status, reason));
  return status;
}

async function walk(ops: DurableOps, fx: RunEffects, state: RunState, steps: readonly Step[]) {
  for (const step of steps) await runStep(ops, fx, state, step);
}

async function runStep(ops: DurableOps, fx: RunEffects, state: RunState, step: Step) {
  const { run } = state;
  const record = (r: Omit<StepRecord, 'id' | 'type' | 'at'>, name = `${step.id}:record`) =>
    ops.step(name, () =>
      fx.record(run.id, { id: step.id, type: step.type, at: iso(fx.now()), ...r }),
    );
  switch (step.type) {
    case 'send': {
      await deferForQuietHours(ops, fx, state, step);
      const result = await ops.step(step.id, () =>
        fx.send(run, step, state.definition, state.digest),
      );
      if (result.sent) {
        state.sends[step.id] = result.notificationId;
        return;
      }
      if (result.decision === 'cancelled') throw new RunEnded('cancelled', result.why);
      if (result.decision === 'failed')
        throw new RunEnded('failed', `step ${step.id}: ${result.why}`);
      return;
    }
    case 'delay': {
      const until = await ops.step(`${step.id}:at`, async () => {
        const now = fx.now();
        return step.until === undefined
          ? now + (parseDuration(step.duration ?? '') ?? 0) * 1000
          : nextLocalTime(now, step.until, run.recipient.timezone ?? 'UTC');
      });
      await record({
        decision: 'waiting',
        until: iso(until),
        why:
          step.until === undefined
            ? `delay ${step.duration}`
            : `until ${step.until} ${run.recipient.timezone ?? 'UTC'}`,
      });
      await sleepUntil(ops, fx, step.id, until);
      return;
    }
    case 'waitFor': {
      const notificationId = state.sends[step.step];
      if (notificationId === undefined) {
        state.outcomes[step.id] = 'notMet';
        await record({ decision: 'notMet', why: `step ${step.step} sent nothing` });
        return;
      }
      const timeout = parseDuration(step.timeout) ?? 1;
      const result = await ops.waitForCallback(
        step.id,
        (callbackId) => fx.watch(run, step, notificationId, callbackId),
        timeout,
      );
      if (result === 'cancelled') throw new RunEnded('cancelled', 'cancelled while waiting');
      const outcome: WaitOutcome = result === 'met' || result === 'notMet' ? result : 'timedOut';
      state.outcomes[step.id] = outcome;
      if (outcome === 'timedOut') await ops.step(`${step.id}:unwatch`, () => fx.unwatch(run, step));
      const why =
        outcome === 'timedOut'
          ? `no ${step.status} within ${step.timeout}`
          : outcome === 'met'
            ? `a delivery of ${step.step} reached ${step.status}`
            : `every delivery of ${step.step} ended without ${step.status}`;
      await record({ decision: outcome, why, notificationId });
      return;
    }
    case 'branch': {
      const taken = evaluate(step.if, {
        data: run.data,
        recipient: run.recipient,
        outcomes: state.outcomes,
      });
      await record({ decision: taken ? 'whenTrue' : 'whenFalse', why: JSON.stringify(step.if) });
      await walk(ops, fx, state, taken ? step.whenTrue : step.whenFalse);
      return;
    }
    case 'throttle': {
      const admitted = await ops.step(step.id, async () => {
        const window = gateWindow(step, run, fx.now());
        return fx.gates.admit(window.id, run.id, step.limit);
      });
      const over = `over ${step.limit} runs per ${step.window}`;
      await record({
        decision: admitted ? 'admitted' : step.overflow === 'digest' ? 'overflow' : 'throttled',
        why: `at most ${step.limit} per ${step.window}`,
      });
      if (admitted) return;
      if (step.overflow !== 'digest') throw new RunEnded('throttled', over);
      // The runs over the limit are folded into one digest sent when the window ends.
      await collectDigest(ops, fx, state, `${step.id}:overflow`, record, (now) => {
        const window = gateWindow(step, run, now);
        return { id: `${window.id}#overflow`, end: window.end, why: `${over}: digest at its end` };
      });
      return;
    }
    case 'digest':
      await collectDigest(ops, fx, state, step.id, record, (now) => ({
        ...gateWindow(step, run, now),
        why: `window ${step.window}`,
      }));
      return;
  }
}

type StepRecorder = (r: Omit<StepRecord, 'id' | 'type' | 'at'>, name?: string) => Promise<void>;

/**
 * Joins the digest of the window `open` names: the first run in leads and, after the window,
 * goes on with every collected event (`state.digest`); every other run ends `folded` into it.
 */
async function collectDigest(
  ops: DurableOps,
  fx: RunEffects,
  state: RunState,
  name: string,
  record: StepRecorder,
  open: (now: number) => { id: string; end: number; opensFor?: number; why: string },
) {
  const { run } = state;
  const joined = await ops.step(name, async () => {
    const window = open(fx.now());
    const { leader, end } = await fx.gates.joinDigest(window.id, run.id, run.data, {
      end: window.end,
      now: fx.now(),
      ...(window.opensFor !== undefined && { opensFor: window.opensFor }),
    });
    return { leader, id: window.id, end, why: window.why };
  });
  if (joined.leader !== run.id) {
    await record(
      { decision: 'folded', why: `into the digest run ${joined.leader} sends` },
      `${name}:record`,
    );
    throw new RunEnded('folded', `folded into run ${joined.leader}`);
  }
  await record(
    { decision: 'collecting', until: iso(joined.end), why: joined.why },
    `${name}:record`,
  );
  await sleepUntil(ops, fx, `${name}:window`, joined.end + DIGEST_GRACE_MS);
  const events = await ops.step(`${name}:collect`, () =>
    fx.gates.digestEvents(joined.id, joined.leader),
  );
  state.digest = { count: events.length, events: events.map((e) => e.data) };
  await record({ decision: 'collected', why: `${events.length} events` }, `${name}:collected`);
}

/** A send due inside quiet hours waits for their end (never dropped); critical workflows do not. */
async function deferForQuietHours(
  ops: DurableOps,
  fx: RunEffects,
  state: RunState,
  step: SendStep,
) {
  const { run, definition } = state;
  const quiet = run.recipient.quietHours ?? definition.quietHours;
  if (definition.critical || !quiet) return;
  const end = await ops.step(
    `${step.id}:quiet`,
    async () => quietHoursEnd(fx.now(), quiet, run.recipient.timezone ?? 'UTC') ?? null,
  );
  if (end === null) return;
  await ops.step(`${step.id}:deferred`, () =>
    fx.record(run.id, {
      id: step.id,
      type: 'send',
      at: iso(fx.now()),
      decision: 'deferred',
      until: iso(end),
      why: `quiet hours ${quiet.start}-${quiet.end}`,
    }),
  );
  await sleepUntil(ops, fx, `${step.id}:quiet-wait`, end);
}

async function sleepUntil(ops: DurableOps, fx: RunEffects, name: string, until: number) {
  const seconds = await ops.step(`${name}:seconds`, async () =>
    Math.ceil((until - fx.now()) / 1000),
  );
  if (seconds > 0) await ops.sleep(name, seconds);
}
