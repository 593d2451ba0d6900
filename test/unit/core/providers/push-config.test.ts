import { describe, expect, it } from 'vitest';
import {
  fcmPool,
  MAX_BUCKET_RATE,
  projectRate,
} from '../../../../functions/core/providers/push-config';
import { senderFor } from '../../../../functions/core/providers/senders';

describe('an FCM project as the rate gate sees it', () => {
  it('splits a project faster than one bucket item can book into shards that add up to its rate', () => {
    const pool = fcmPool('stack', 'herald-prod');
    expect(pool.ids).toHaveLength(10_000 / MAX_BUCKET_RATE);
    expect(pool.ids[0]).toBe('herald-prod~0');
    expect(pool.ratePerSecond).toBe(MAX_BUCKET_RATE);
    // A slow project stays one sender at its own rate.
    expect(fcmPool('t-acme/main', 'acme-push', 300)).toEqual({
      owner: 't-acme/main',
      kind: 'fcm-project',
      ids: ['acme-push'],
      ratePerSecond: 300,
    });
    expect(fcmPool('o', 'p', 1_200).ids).toEqual(['p~0', 'p~1', 'p~2']);
    expect(fcmPool('o', 'p', 1_200).ratePerSecond).toBe(400);
  });

  it('keeps a token on one shard and spreads tokens over all of them', () => {
    const pool = fcmPool('stack', 'herald-prod');
    const key = (token: string) => senderFor(pool, 'push', token).key;
    expect(key('token-a')).toBe(key('token-a'));
    const used = new Set(Array.from({ length: 2_000 }, (_, i) => key(`token-${i}`)));
    expect(used.size).toBe(pool.ids.length);
    expect(senderFor(pool, 'push', 'token-a')).toMatchObject({
      kind: 'fcm-project',
      ratePerSecond: 500,
    });
  });

  it('shows the shards as the project: rates summed, open when any is', () => {
    expect(
      projectRate('p', [
        { sender: 'p~0', ratePerSecond: 500, breaker: 'closed', recentFailures: 1 },
        {
          sender: 'p~1',
          ratePerSecond: 500,
          breaker: 'open',
          openUntil: '2026-12-07T00:00:30.000Z',
          recentFailures: 3,
        },
      ]),
    ).toEqual([
      {
        sender: 'p',
        ratePerSecond: 1_000,
        breaker: 'open',
        openUntil: '2026-12-07T00:00:30.000Z',
        recentFailures: 4,
      },
    ]);
  });
});
