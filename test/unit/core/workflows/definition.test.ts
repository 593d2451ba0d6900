import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../../functions/core/shared/errors';
import { parseDefinition } from '../../../../functions/core/workflows/definition';

const noContentCheck = () => [];
const push = {
  id: 'push',
  type: 'send',
  channels: ['push'],
  content: { push: { title: 'T', body: 'B' } },
};
const sms = { id: 'sms', type: 'send', channels: ['sms'], content: { sms: { text: 'hi' } } };
const escalation = {
  steps: [
    push,
    { id: 'seen', type: 'waitFor', step: 'push', status: 'delivered', timeout: '10m' },
    {
      id: 'escalate',
      type: 'branch',
      if: { step: 'seen', outcome: 'met' },
      whenTrue: [],
      whenFalse: [sms],
    },
  ],
};

function errorsOf(body: unknown) {
  try {
    parseDefinition(body, noContentCheck);
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.errors;
    throw error;
  }
  throw new Error('accepted');
}

describe('parseDefinition', () => {
  it('accepts the escalation workflow: push, wait for delivered 10 min, else SMS', () => {
    const definition = parseDefinition(escalation, noContentCheck);
    expect(definition.steps.map((s) => s.id)).toEqual(['push', 'seen', 'escalate']);
  });

  it('names a reference to an unknown step with its path', () => {
    const body = {
      steps: [push, { id: 'w', type: 'waitFor', step: 'nope', status: 'delivered', timeout: '1m' }],
    };
    expect(errorsOf(body)).toEqual([{ path: 'steps[1].step', message: 'no step "nope"' }]);
  });

  it('refuses a step that refers to itself or to a later step (a loop)', () => {
    const self = {
      steps: [{ id: 'w', type: 'waitFor', step: 'w', status: 'sent', timeout: '1m' }],
    };
    expect(errorsOf(self)[0]?.message).toMatch(/its own step/);
    const later = {
      steps: [{ id: 'w', type: 'waitFor', step: 'push', status: 'sent', timeout: '1m' }, push],
    };
    expect(errorsOf(later)).toEqual([
      { path: 'steps[0].step', message: 'step "push" does not run before this one (a loop)' },
    ]);
  });

  it('refuses waits longer than the engine holds (365 days), with the path', () => {
    const body = { steps: [{ id: 'd', type: 'delay', duration: '400d' }] };
    expect(errorsOf(body)).toContainEqual({
      path: 'steps[0].duration',
      message: expect.stringMatching(/365d/),
    });
    const total = {
      steps: [
        { id: 'a', type: 'delay', duration: '200d' },
        { id: 'b', type: 'delay', duration: '200d' },
      ],
    };
    expect(errorsOf(total)[0]?.path).toBe('steps');
  });

  it('finds errors inside branches at their nested path', () => {
    const body = {
      steps: [
        push,
        { id: 'seen', type: 'waitFor', step: 'push', status: 'delivered', timeout: '10m' },
        {
          id: 'b',
          type: 'branch',
          if: { step: 'seen', outcome: 'met' },
          whenTrue: [],
          whenFalse: [{ id: 'x', type: 'delay', duration: 'soon' }],
        },
      ],
    };
    expect(errorsOf(body)).toEqual([
      { path: 'steps[2].whenFalse[0].duration', message: 'must be a duration: 30s, 10m, 2h, 7d' },
    ]);
  });

  it('refuses duplicate ids, a branch on a non-wait step, content for a channel not listed', () => {
    const body = {
      steps: [
        push,
        { ...sms, id: 'push' },
        {
          id: 'b',
          type: 'branch',
          if: { step: 'push', outcome: 'met' },
          whenTrue: [],
          whenFalse: [],
        },
        {
          id: 's2',
          type: 'send',
          channels: ['sms'],
          content: { sms: { text: 'x' }, email: { subject: 's' } },
        },
      ],
    };
    const paths = errorsOf(body).map((e) => e.path);
    expect(paths).toEqual(['steps[1].id', 'steps[2].if.step', 'steps[3].content.email']);
  });

  it('needs exactly one of duration and until on a delay, and a known step type', () => {
    expect(errorsOf({ steps: [{ id: 'd', type: 'delay' }] })[0]?.path).toBe('steps[0]');
    expect(errorsOf({ steps: [{ id: 'd', type: 'sleep' }] })[0]?.path).toBe('steps[0].type');
  });

  it('passes content problems from the send check through at the step path', () => {
    const check = () => [{ path: 'steps[0].content.push.title', message: 'is required' }];
    expect(() => parseDefinition({ steps: [push] }, check)).toThrow(InvalidRequestError);
  });
});
