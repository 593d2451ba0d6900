import { readFileSync } from 'node:fs';
import { parseHeraldConfig, type UsagePlanLimits } from '../lib/config';

/*
 * The local stand-in for API Gateway usage plans: per usage identifier (the tenant's key, or the
 * tenant when it has none), a token bucket for the throttle and a counter per UTC day, week or
 * month for the quota. The answers are API Gateway's own 429s, plus the Retry-After header.
 */

/** A refused request: the body message API Gateway uses and when to come back. */
export interface Throttled {
  message: 'Too Many Requests' | 'Limit Exceeded';
  retryAfterSeconds: number;
}

const DAY_MS = 86_400_000;

/** Start of the next quota period (UTC), as API Gateway counts them. */
function periodEnd(now: number, period: UsagePlanLimits['quota']['period']): number {
  const day = new Date(now);
  const midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  if (period === 'DAY') return midnight + DAY_MS;
  if (period === 'WEEK') return midnight + ((8 - (day.getUTCDay() || 7)) % 7 || 7) * DAY_MS;
  return Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 1);
}

export class UsagePlanLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #quotas = new Map<string, { used: number; until: number }>();

  constructor(
    readonly limits: UsagePlanLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts one request for `identifier`; undefined when it may go through. */
  take(identifier: string): Throttled | undefined {
    const now = this.clock();
    const { rateLimit, burstLimit, quota } = this.limits;
    const quotaState = this.#quotas.get(identifier);
    const window =
      quotaState && quotaState.until > now
        ? quotaState
        : { used: 0, until: periodEnd(now, quota.period) };
    if (window.used >= quota.limit) {
      return {
        message: 'Limit Exceeded',
        retryAfterSeconds: Math.ceil((window.until - now) / 1000),
      };
    }
    const bucket = this.#buckets.get(identifier) ?? { tokens: burstLimit, at: now };
    bucket.tokens = Math.min(burstLimit, bucket.tokens + ((now - bucket.at) / 1000) * rateLimit);
    bucket.at = now;
    this.#buckets.set(identifier, bucket);
    if (bucket.tokens < 1) {
      return {
        message: 'Too Many Requests',
        retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rateLimit)),
      };
    }
    bucket.tokens -= 1;
    window.used += 1;
    this.#quotas.set(identifier, window);
    return undefined;
  }
}

/** The default usage plan of cdk.json (`herald.api.usagePlan`), as a deployed stack applies it. */
export function usagePlanFromCdkJson(
  path = new URL('../cdk.json', import.meta.url),
): UsagePlanLimits {
  const cdk = JSON.parse(readFileSync(path, 'utf8')) as { context?: { herald?: unknown } };
  return parseHeraldConfig(cdk.context?.herald).api.usagePlan;
}
