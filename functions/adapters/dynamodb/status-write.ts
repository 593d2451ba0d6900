import type { AttemptOutcome, ClaimResult } from '../../core/notifications/model';
import { CLAIMABLE } from '../../core/notifications/status';
import { addSeed } from './delivery-pages';

/** An attempt's outcome, added to the history in the same write as the status change. */
export interface AttemptEntry {
  attempt: number;
  outcome: AttemptOutcome;
  error?: string;
}

/** DynamoDB's answer to a SET on a nested path whose parent map does not exist. */
export function isMissingHistory(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ValidationException' &&
    /document path/i.test(error.message)
  );
}

/**
 * The claim: queued/scheduled -> sending with a lease (or a `sending` whose lease ran out), one
 * more attempt, the version moved on, and an empty attempt history on the first claim.
 */
export function claimUpdate(now: number, leaseMs: number, seed?: Record<string, unknown>) {
  const parts = {
    assignments: [] as string[],
    names: {} as Record<string, string>,
    values: {} as Record<string, unknown>,
  };
  // A delivery with no item yet (a page entry): the claim creates it, and the create is the lease.
  if (seed) addSeed(parts, seed);
  return {
    UpdateExpression: `SET #status = :sending, attempts = if_not_exists(attempts, :zero) + :one, leaseUntil = :lease, updatedAt = :now, #version = if_not_exists(#version, :zero) + :one, history = if_not_exists(history, :noHistory)${parts.assignments.map((a) => `, ${a}`).join('')}`,
    ConditionExpression: `${seed ? 'attribute_not_exists(pk) OR ' : ''}#status IN (${CLAIMABLE.map(
      (_, i) => `:claimable${i}`,
    ).join(', ')}) OR (#status = :sending AND leaseUntil < :nowMs)`,
    ExpressionAttributeNames: { '#status': 'status', '#version': 'version', ...parts.names },
    ExpressionAttributeValues: {
      ...parts.values,
      ':noHistory': {},
      ':sending': 'sending',
      ...Object.fromEntries(CLAIMABLE.map((status, i) => [`:claimable${i}`, status])),
      ':zero': 0,
      ':one': 1,
      ':lease': now + leaseMs,
      ':nowMs': now,
      ':now': new Date(now).toISOString(),
    },
  };
}

/**
 * A successful claim, from the item it returns whole (ReturnValues ALL_NEW: no extra capacity):
 * the attempt number and the tenant recorded at ingest, which spares the sender a read.
 */
export function claimed(item: Record<string, unknown> | undefined): ClaimResult {
  const tenantId = item?.tenantId;
  return {
    claimed: true,
    attempts: Number(item?.attempts ?? 1),
    ...(typeof tenantId === 'string' && tenantId !== '' && { tenantId }),
  };
}
