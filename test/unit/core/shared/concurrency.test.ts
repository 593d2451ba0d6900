import { describe, expect, it } from 'vitest';
import {
  chunk,
  createLimiter,
  mapWithConcurrency,
} from '../../../../functions/core/shared/concurrency';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('concurrency › createLimiter', () => {
  it('never runs more than the limit at once, and runs everything', async () => {
    const limit = createLimiter(2);
    let active = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        limit(async () => {
          active++;
          peak = Math.max(peak, active);
          await tick();
          active--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('frees the slot when a call fails', async () => {
    const limit = createLimiter(1);
    await expect(limit(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limit(async () => 'next')).toBe('next');
  });
});

describe('concurrency › mapWithConcurrency and chunk', () => {
  it('keeps the input order whatever the completion order', async () => {
    const out = await mapWithConcurrency([30, 10, 20], 3, async (ms) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return ms;
    });
    expect(out).toEqual([30, 10, 20]);
  });

  it('splits into SQS-sized batches', () => {
    expect(
      chunk(
        Array.from({ length: 23 }, (_, i) => i),
        10,
      ).map((c) => c.length),
    ).toEqual([10, 10, 3]);
  });
});
