import { describe, expect, it } from 'vitest';
import { UsagePlanLimiter, usagePlanFromCdkJson } from '../../local/usage-plan';

describe('UsagePlanLimiter', () => {
  const at = (iso: string) => Date.parse(iso);

  it('refills the bucket at the rate, up to the burst', () => {
    let now = at('2030-01-01T10:00:00Z');
    const limiter = new UsagePlanLimiter(
      { rateLimit: 2, burstLimit: 3, quota: { limit: 1_000, period: 'DAY' } },
      () => now,
    );
    for (let i = 0; i < 3; i++) expect(limiter.take('t')).toBeUndefined();
    expect(limiter.take('t')).toEqual({ message: 'Too Many Requests', retryAfterSeconds: 1 });
    now += 500; // one token back at 2/s
    expect(limiter.take('t')).toBeUndefined();
    expect(limiter.take('t')?.message).toBe('Too Many Requests');
    now += 60_000; // never more than the burst
    for (let i = 0; i < 3; i++) expect(limiter.take('t')).toBeUndefined();
    expect(limiter.take('t')?.message).toBe('Too Many Requests');
  });

  it('counts the quota per UTC period and resets it at the boundary', () => {
    let now = at('2030-01-01T23:59:00Z');
    const limiter = new UsagePlanLimiter(
      { rateLimit: 100, burstLimit: 100, quota: { limit: 2, period: 'DAY' } },
      () => now,
    );
    expect(limiter.take('t')).toBeUndefined();
    expect(limiter.take('t')).toBeUndefined();
    expect(limiter.take('t')).toEqual({ message: 'Limit Exceeded', retryAfterSeconds: 60 });
    expect(limiter.take('other')).toBeUndefined();
    now = at('2030-01-02T00:00:01Z');
    expect(limiter.take('t')).toBeUndefined();
  });

  it('reads the default plan from cdk.json', () => {
    expect(usagePlanFromCdkJson()).toEqual({
      rateLimit: 10,
      burstLimit: 20,
      quota: { limit: 100_000, period: 'DAY' },
    });
  });
});
