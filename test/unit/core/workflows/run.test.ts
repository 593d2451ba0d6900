import { describe, expect, it } from 'vitest';
import type {
  RunRecord,
  StepRecord,
  WorkflowDefinition,
} from '../../../../functions/core/workflows/model';
import {
  type DurableOps,
  executeRun,
  type RunEffects,
} from '../../../../functions/core/workflows/run';

// The run interpreter on a fake engine with a fake clock: what a user sees in the run's steps.

function harness(
  definition: WorkflowDefinition,
  recipient: RunRecord['recipient'],
  startIso: string,
  refuse?: string,
) {
  let now = Date.parse(startIso);
  const sends: { step: string; at: string }[] = [];
  const steps: StepRecord[] = [];
  let finished: { status: string; reason?: string } | undefined;
  const run: RunRecord = {
    id: 'run_1',
    tenantId: 't',
    workflowKey: 'w',
    version: 1,
    recipient,
    data: {},
    status: 'running',
    createdAt: startIso,
    updatedAt: startIso,
    steps: {},
  };
  const ops: DurableOps = {
    step: (_name, fn) => fn(),
    sleep: async (_name, seconds) => {
      now += seconds * 1000;
    },
    waitForCallback: async (_name, _submit, timeout) => {
      now += timeout * 1000;
      return undefined;
    },
  };
  const fx: RunEffects = {
    load: async () => ({ run, definition }),
    send: async (_run, step) => {
      if (refuse) return { sent: false, decision: 'failed', why: refuse };
      sends.push({ step: step.id, at: new Date(now).toISOString() });
      return { sent: true, notificationId: `n-${step.id}`, deliveries: [] };
    },
    record: async (_id, step) => {
      steps.push(step);
    },
    watch: async () => undefined,
    unwatch: async () => undefined,
    finish: async (_id, status, reason) => {
      finished = { status, ...(reason !== undefined && { reason }) };
    },
    now: () => now,
    gates: {
      joinDigest: async () => ({ leader: 'run_1', end: 0 }),
      digestEvents: async () => [],
      admit: async () => true,
    },
  };
  return { go: () => executeRun(ops, fx, 'run_1'), sends, steps, finished: () => finished };
}

const hello = {
  id: 'hello',
  type: 'send' as const,
  channels: ['sms' as const],
  content: { sms: { text: 'hi' } },
};

describe('executeRun', () => {
  it('defers a send due in quiet hours to their end, and never drops it', async () => {
    const h = harness(
      { steps: [hello], quietHours: { start: '22:00', end: '08:00' } },
      { id: 'r', sms: '+1', timezone: 'Europe/Paris' },
      '2027-01-10T02:00:00Z',
    );
    expect(await h.go()).toBe('completed');
    expect(h.steps[0]).toMatchObject({ decision: 'deferred', until: '2027-01-10T07:00:00.000Z' });
    expect(h.sends).toEqual([{ step: 'hello', at: '2027-01-10T07:00:00.000Z' }]);
  });

  it('sends a critical workflow at once, and honours the recipient own quiet hours over the workflow', async () => {
    const critical = harness(
      { steps: [hello], critical: true, quietHours: { start: '22:00', end: '08:00' } },
      { id: 'r', sms: '+1' },
      '2027-01-10T02:00:00Z',
    );
    await critical.go();
    expect(critical.sends[0]?.at).toBe('2027-01-10T02:00:00.000Z');
    const own = harness(
      { steps: [hello], quietHours: { start: '22:00', end: '08:00' } },
      { id: 'r', sms: '+1', quietHours: { start: '01:00', end: '03:00' } },
      '2027-01-10T02:00:00Z',
    );
    await own.go();
    expect(own.sends[0]?.at).toBe('2027-01-10T03:00:00.000Z');
  });

  it('waits until the next local 08:00 across a daylight-saving change', async () => {
    const h = harness(
      { steps: [{ id: 'morning', type: 'delay', until: '08:00' }, hello] },
      { id: 'r', sms: '+1', timezone: 'America/New_York' },
      '2027-03-13T20:00:00Z',
    );
    await h.go();
    expect(h.sends[0]?.at).toBe('2027-03-14T12:00:00.000Z');
  });

  it('ends failed with the reason when a step cannot run, instead of hanging', async () => {
    const h = harness(
      { steps: [hello, { ...hello, id: 'after' }] },
      { id: 'r', sms: '+1' },
      '2027-01-10T12:00:00Z',
      'channels.sms.text: must not be empty',
    );
    expect(await h.go()).toBe('failed');
    expect(h.finished()).toEqual({
      status: 'failed',
      reason: 'step hello: channels.sms.text: must not be empty',
    });
    expect(h.sends).toEqual([]);
  });

  it('takes the escalation branch when the wait times out', async () => {
    const h = harness(
      {
        steps: [
          { ...hello, id: 'push' },
          { id: 'seen', type: 'waitFor', step: 'push', status: 'delivered', timeout: '10m' },
          {
            id: 'b',
            type: 'branch',
            if: { step: 'seen', outcome: 'met' },
            whenTrue: [],
            whenFalse: [{ ...hello, id: 'sms' }],
          },
        ],
      },
      { id: 'r', sms: '+1' },
      '2027-01-10T12:00:00Z',
    );
    await h.go();
    expect(h.sends.map((s) => s.step)).toEqual(['push', 'sms']);
    expect(h.steps.find((s) => s.id === 'seen')).toMatchObject({ decision: 'timedOut' });
  });
});
