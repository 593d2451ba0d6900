/** Base of errors the API turns into an HTTP answer; `expose` says the message may reach clients. */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  readonly expose: boolean;
  constructor(
    readonly statusCode: number,
    message: string,
    readonly details: Record<string, unknown> = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.expose = statusCode < 500 || statusCode === 503;
  }
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

/** A message on a channel queue that is not a Herald delivery message. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}
