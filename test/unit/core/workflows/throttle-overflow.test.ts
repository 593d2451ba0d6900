import { describe, expect, it } from 'vitest';
import type { GateStore } from '../../../../functions/core/workflows/gates';
import type {
  RunRecord,
  RunStatus,
  StepRecord,
  WorkflowDefinition,
} from '../../../../functions/core/workflows/model';
import {
  type DurableOps,
  executeRun,
  type RunEffects,
} from '../../../../functions/core/workflows/run';

// A throttle's overflow: dropped (the runs end throttled), or folded into one digest sent when
// the window ends. Several runs of one recipient share an in-memory gate store.

function gates(): GateStore {
  const admitted = new Map<string, Set<string>>();
  const digests = new Map<
    string,
    { leader: string; end: number; events: { runId: string; data: Record<string, unknown> }[] }
  >();
  return {
    async admit(id, runId, limit) {
      const set = admitted.get(id) ?? new Set<string>();
      admitted.set(id, set);
      if (set.has(runId)) return true;
      if (set.size >= limit) return false;
      set.add(runId);
      return true;
    },
    async joinDigest(id, runId, data, window) {
      const digest = digests.get(id) ?? { leader: runId, end: window.end, events: [] };
      digests.set(id, digest);
      digest.events.push({ runId, data });
      return { leader: digest.leader, end: digest.end };
    },
    async digestEvents(id) {
      return digests.get(id)?.events ?? [];
    },
  };
}

function world(definition: WorkflowDefinition) {
  const now = Date.parse('2026-03-10T10:15:00Z');
  const store = gates();
  const sends: { run: string; digest?: { count: number; events: unknown[] } }[] = [];
  const steps: Record<string, StepRecord[]> = {};
  let release: () => void = () => undefined;
  const windowEnds = new Promise<void>((resolve) => {
    release = resolve;
  });
  const start = (id: string, host: string): Promise<RunStatus> => {
    const run: RunRecord = {
      id,
      tenantId: 't',
      workflowKey: 'alerts',
      version: 1,
      recipient: { id: 'oncall' },
      data: { host },
      status: 'running',
      createdAt: '',
      updatedAt: '',
      steps: {},
    };
    const ops: DurableOps = {
      step: (_name, fn) => fn(),
      // A digest's leader sleeps until the test ends the window (every other run has joined).
      sleep: () => windowEnds,
      waitForCallback: async () => undefined,
    };
    const fx: RunEffects = {
      load: async () => ({ run, definition }),
      send: async (r, _step, _d, digest) => {
        sends.push({ run: r.id, ...(digest && { digest }) });
        return { sent: true, notificationId: `n-${r.id}`, deliveries: [] };
      },
      record: async (runId, step) => {
        steps[runId] = [...(steps[runId] ?? []), step];
      },
      watch: async () => undefined,
      unwatch: async () => undefined,
      finish: async () => undefined,
      now: () => now,
      gates: store,
    };
    return executeRun(ops, fx, id);
  };
  return { start, sends, steps, endWindow: () => release() };
}

const alerts = (overflow?: 'drop' | 'digest'): WorkflowDefinition => ({
  steps: [
    { id: 'limit', type: 'throttle', limit: 2, window: '1h', ...(overflow && { overflow }) },
    { id: 'page', type: 'send', channels: ['slack'], content: { slack: { text: 'disk full' } } },
  ],
});

describe('throttle overflow', () => {
  it('drops the runs over the limit by default: they end throttled and send nothing', async () => {
    const w = world(alerts());
    const statuses = [];
    for (const n of [1, 2, 3, 4]) statuses.push(await w.start(`run_${n}`, `h${n}`));
    expect(statuses).toEqual(['completed', 'completed', 'throttled', 'throttled']);
    expect(w.sends.map((s) => s.run)).toEqual(['run_1', 'run_2']);
  });

  it('folds the runs over the limit into one digest sent when the window ends', async () => {
    const w = world(alerts('digest'));
    expect(await w.start('run_1', 'h1')).toBe('completed');
    expect(await w.start('run_2', 'h2')).toBe('completed');
    const leader = w.start('run_3', 'h3');
    expect(await w.start('run_4', 'h4')).toBe('folded');
    expect(await w.start('run_5', 'h5')).toBe('folded');
    w.endWindow();
    expect(await leader).toBe('completed');
    // Two sent at once, then one message for the three over the limit, with their events.
    expect(w.sends.map((s) => s.run)).toEqual(['run_1', 'run_2', 'run_3']);
    expect(w.sends[2]?.digest).toEqual({
      count: 3,
      events: [{ host: 'h3' }, { host: 'h4' }, { host: 'h5' }],
    });
    expect(w.steps.run_3?.map((s) => s.decision)).toEqual(['overflow', 'collecting', 'collected']);
    expect(w.steps.run_4?.at(-1)).toMatchObject({
      decision: 'folded',
      why: 'into the digest run run_3 sends',
    });
    // The leader's timeline says when the digest goes: the end of the throttle's window.
    expect(w.steps.run_3?.[1]?.why).toBe('over 2 runs per 1h: digest at its end');
  });
});
