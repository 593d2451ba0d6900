import { createHash } from 'node:crypto';
import { parseDuration } from './duration';
import { windowStart } from './local-time';
import type { DigestStep, RunRecord, ThrottleStep } from './model';

/*
 * Digest and throttle: steps that look at other runs of the same workflow. Both key on
 * (tenant, workflow, step, key value, window start); windows are fixed and aligned in the
 * recipient's timezone (a 1-day digest runs midnight to midnight local time).
 */

/** Where digests and throttles keep their shared state (adapters/dynamodb/workflow-gate-store). */
export interface GateStore {
  /**
   * Adds the run's event to the digest open for `digestId` and tells which run leads (sends) it;
   * with `opensFor` (a window opened by its first event) a digest past its end opens a new one.
   */
  joinDigest(
    digestId: string,
    runId: string,
    data: Record<string, unknown>,
    window: { end: number; now: number; opensFor?: number },
  ): Promise<{ leader: string; end: number }>;
  /** Every event collected for the digest the leader leads. */
  digestEvents(
    digestId: string,
    leader: string,
  ): Promise<{ runId: string; data: Record<string, unknown> }[]>;
  /** Counts the run in the window unless `limit` runs are counted already (false then). */
  admit(throttleId: string, runId: string, limit: number): Promise<boolean>;
}

/** The key value of a digest or throttle (`data.x` / `recipient.x`); runs are also apart per recipient. */
export function gateKey(path: string | undefined, run: RunRecord): string {
  if (path === undefined) return run.recipient.id;
  const [root, ...rest] = path.split('.');
  let value: unknown =
    root === 'data' ? run.data : { ...run.recipient.attributes, ...run.recipient };
  for (const key of rest) value = (value as Record<string, unknown> | undefined)?.[key];
  return value === undefined ? '' : JSON.stringify(value);
}

/**
 * The identity of the window the run falls in, and when it ends: per recipient and key value. A
 * `fixed` window is aligned to the clock in the recipient's zone; a `sliding` one opens with the
 * first event for the key (the store decides which window that is).
 */
export function gateWindow(step: DigestStep | ThrottleStep, run: RunRecord, now: number) {
  const seconds = parseDuration(step.window) ?? 60;
  const key = createHash('sha256')
    .update(`${run.recipient.id}\u0000${gateKey(step.key, run)}`)
    .digest('base64url')
    .slice(0, 22);
  const base = `${run.tenantId}#${run.workflowKey}#${step.id}#${key}`;
  if (step.type === 'digest' && step.mode === 'sliding') {
    return { id: base, end: now + seconds * 1000, opensFor: seconds * 1000 };
  }
  const start = windowStart(now, seconds, run.recipient.timezone ?? 'UTC');
  return { id: `${base}#${start}`, end: start + seconds * 1000 };
}

/** Late writers of a window get this long after its end before the digest is read. */
export const DIGEST_GRACE_MS = 1_000;
