/**
 * Receives of one SQS message before it moves to the channel's DLQ: the redrive policy of the
 * deployed and local queues and the channel functions' "last receive" rule all use this value.
 */
export const MAX_RECEIVE_COUNT = 5;

/*
 * Attempt timing. One place decides how long an attempt may last, how long its lease holds and
 * how long SQS hides a received message, so the rules below hold by construction:
 * - no provider call outlives PROVIDER_TIMEOUT_MS (each adapter aborts it on the signal);
 * - a record starts only with ATTEMPT_MAX_MS of Lambda time left (the rest are handed back);
 * - the lease outlives the longest attempt and the function, so no two attempts of one delivery
 *   are ever in flight at once, and it is never shorter than the visibility timeout.
 */

/** Every provider call is aborted after this long; its outcome is then unknown (ambiguous). */
export const PROVIDER_TIMEOUT_MS = 5_000;
/** Claim and content read, before the provider call. */
export const PREPARE_BUDGET_MS = 2_000;
/** Recording the outcome, the in-function retries of that write included. */
export const RECORD_BUDGET_MS = 3_000;
/** The longest one attempt lasts, claim to recorded outcome. */
export const ATTEMPT_MAX_MS = PREPARE_BUDGET_MS + PROVIDER_TIMEOUT_MS + RECORD_BUDGET_MS;
/** Timeout of a send-<channel> function. */
export const SENDER_TIMEOUT_SECONDS = 30;
/** Visibility timeout of the channel queues: 6x the function timeout, as AWS advises. */
export const VISIBILITY_TIMEOUT_SECONDS = 6 * SENDER_TIMEOUT_SECONDS;

/**
 * The shortest safe lease: longer than the function can run (so an attempt, which cannot outlive
 * its invocation, never outlives its lease) and never shorter than the visibility timeout (so the
 * redelivered copy of a message whose outcome could not be recorded finds the lease still held
 * and waits, instead of sending again at once).
 */
export function minimumLeaseSeconds(
  visibilityTimeoutSeconds: number,
  functionTimeoutSeconds: number,
): number {
  return (
    Math.max(visibilityTimeoutSeconds, functionTimeoutSeconds, Math.ceil(ATTEMPT_MAX_MS / 1000)) +
    functionTimeoutSeconds
  );
}

/** LEASE_SECONDS of the deployed channel functions (210 s). */
export const LEASE_SECONDS = minimumLeaseSeconds(
  VISIBILITY_TIMEOUT_SECONDS,
  SENDER_TIMEOUT_SECONDS,
);

/**
 * How long after it is due (sendAt, else createdAt) a notification should be settled in the
 * normal course: 5 receives with backoff (30+60+120+240 s), a lease and the longest retry delay
 * fit well inside it. The reconciler looks at a notification then, and at a delivery that has
 * not moved for this long.
 */
export const RECONCILE_AFTER_SECONDS = 30 * 60;
