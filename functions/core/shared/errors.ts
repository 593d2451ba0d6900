import type { FieldError } from './field-errors';
import type { SuppressionReason } from './vocabulary';

/*
 * Herald's own errors. They say what went wrong in Herald's terms (not found, conflict, invalid);
 * runtime/http.ts decides which HTTP status each one is. Every error carries its context.
 */

/** The request breaks a rule; `errors` names each field (`channels.email.to[3]`). */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  constructor(
    readonly errors: readonly FieldError[],
    message = 'Invalid request',
  ) {
    super(message);
  }
}

/**
 * The request is well formed but cannot be carried out with what it holds (a template whose data
 * is missing a variable, a render limit reached): a 422 naming each field. Nothing was recorded.
 */
export class UnprocessableRequestError extends Error {
  override readonly name = 'UnprocessableRequestError';
  constructor(
    readonly errors: readonly FieldError[],
    message = 'The request cannot be processed',
  ) {
    super(message);
  }
}

/** The thing asked for does not exist, or belongs to another tenant (indistinguishable). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** The request is valid but the current state does not allow it (e.g. nothing left to cancel). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** Some deliveries could not be put on their queue; those were recorded failed. Retryable by the caller. */
export class EnqueueError extends Error {
  override readonly name = 'EnqueueError';
  constructor(
    readonly notificationId: string,
    readonly failedDeliveries: number,
    readonly queuedDeliveries: number,
    options: { cause?: unknown } = {},
  ) {
    super(
      `${failedDeliveries} of ${failedDeliveries + queuedDeliveries} deliveries could not be queued`,
      options,
    );
  }
}

/**
 * The notification could not be recorded, and nothing of it will ever be sent: its notification
 * item, which everything that sends or lists it goes through, was not written. The caller may
 * retry (with the same Idempotency-Key: a request that recorded nothing keeps no answer).
 */
export class NotRecordedError extends Error {
  override readonly name = 'NotRecordedError';
  constructor(
    readonly notificationId: string,
    options: { cause?: unknown } = {},
  ) {
    super(`notification ${notificationId} could not be recorded; nothing will be sent`, options);
  }
}

/** A message on a channel queue that is not a Herald delivery message. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

export type ProviderFailureKind = 'permanent' | 'transient';

/**
 * A classified provider failure. `permanent` failures (bad address, unknown channel, rejected
 * message) are recorded as failed and never retried; `transient` ones (throttling, 5xx, timeouts)
 * are retried by SQS, honouring `retryAfterSeconds` when the provider says how long to wait.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly kind: ProviderFailureKind;
  /** The provider's own error code, e.g. `MessageRejected`, `21211`, `channel_not_found`. */
  readonly code: string;
  readonly retryAfterSeconds?: number;
  /**
   * The request may have reached the provider and been accepted (a timeout or a connection lost
   * after sending): the attempt is ambiguous, a retry may duplicate the message.
   */
  readonly outcomeUnknown: boolean;
  /**
   * Set when the provider says this recipient can never be reached again (an unregistered push
   * token, a number that replied STOP): the delivery fails and the recipient is suppressed.
   */
  readonly suppress?: SuppressionReason;

  constructor(
    kind: ProviderFailureKind,
    code: string,
    message: string,
    options: {
      cause?: unknown;
      retryAfterSeconds?: number;
      outcomeUnknown?: boolean;
      suppress?: SuppressionReason;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.code = code;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    if (options.suppress !== undefined) this.suppress = options.suppress;
  }

  get retryable(): boolean {
    return this.kind === 'transient';
  }
}

/**
 * A provider accepted the message but its outcome could not be recorded, even after retries.
 * The delivery stays `sending`; it must not be recorded failed (it went out).
 */
export class OutcomeNotRecordedError extends Error {
  override readonly name = 'OutcomeNotRecordedError';
}
