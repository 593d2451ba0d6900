import { describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from '../../../../functions/core/workflows/model';
import { checkTriggerData } from '../../../../functions/core/workflows/template-sends';

// A trigger's data against the templates' schemas: a template sent after a digest (or a throttle
// folding into one) also holds the data to the schema of the digest's events.

const events = {
  type: 'object' as const,
  properties: {
    digest: {
      type: 'object' as const,
      properties: {
        events: {
          type: 'array' as const,
          items: { type: 'object' as const, required: ['comment'] },
        },
      },
    },
  },
};
const send = (id: string) => ({
  id,
  type: 'send' as const,
  template: { key: 'comments' },
  channels: ['email' as const],
});
const check = (definition: WorkflowDefinition, data: Record<string, unknown>) =>
  checkTriggerData(definition, data, async () => events);

describe('trigger data as a digest event', () => {
  it('is checked for a send after a digest, at the field of the data', async () => {
    const errors = await check(
      { steps: [{ id: 'collect', type: 'digest', window: '1h' }, send('tell')] },
      {},
    );
    expect(errors.map((e) => e.path)).toEqual(['data.comment']);
    expect(errors[0]?.message).toMatch(/as an event of the digest/);
  });

  it('is checked after a digest inside a branch, and after a throttle folding into one', async () => {
    const branch: WorkflowDefinition = {
      steps: [
        {
          id: 'b',
          type: 'branch',
          if: { path: 'data.x', exists: true },
          whenTrue: [{ id: 'collect', type: 'digest', window: '1h' }],
          whenFalse: [],
        },
        send('tell'),
      ],
    };
    expect((await check(branch, {})).map((e) => e.path)).toEqual(['data.comment']);
    const throttle: WorkflowDefinition = {
      steps: [
        { id: 'limit', type: 'throttle', limit: 1, window: '1h', overflow: 'digest' },
        send('tell'),
      ],
    };
    expect((await check(throttle, {})).map((e) => e.path)).toEqual(['data.comment']);
  });

  it('is not checked for a send before any digest, nor after a throttle that drops', async () => {
    expect(
      await check({ steps: [send('tell'), { id: 'c', type: 'digest', window: '1h' }] }, {}),
    ).toEqual([]);
    const drop: WorkflowDefinition = {
      steps: [{ id: 'limit', type: 'throttle', limit: 1, window: '1h' }, send('tell')],
    };
    expect(await check(drop, {})).toEqual([]);
  });
});
