import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  ConflictError,
  EnqueueError,
  InvalidRequestError,
  NotFoundError,
  UnprocessableRequestError,
} from '../core/shared/errors';

/**
 * An answer decided at the HTTP edge itself (media type, size, auth, method), as opposed to
 * Herald's own errors (core/shared/errors.ts), which `httpErrors` maps onto status codes.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

export function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/**
 * The request body as JSON, or the exact 4xx a client needs: 415 for a non-JSON content type,
 * 413 over the size limit, 400 for an empty or malformed body. Never a 5xx.
 */
export function parseJsonBody(event: APIGatewayProxyEvent, maxBytes: number): unknown {
  const contentType = header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (!contentType || !(contentType === 'application/json' || contentType.endsWith('+json'))) {
    throw new HttpError(415, 'Content-Type must be application/json');
  }
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new HttpError(413, `Request body is larger than ${maxBytes} bytes`);
  }
  if (text.trim() === '') throw new HttpError(400, 'Request body is empty');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `Malformed JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Where the error mapper reports what it could not answer as a 4xx. */
export interface HttpErrorReporting {
  logger: { error(message: string, extra: { error: Error }): void };
  metrics: {
    addMetric(
      name: string,
      unit: (typeof MetricUnit)[keyof typeof MetricUnit],
      value: number,
    ): void;
  };
}

/**
 * The answer for an error: `{message, errors?}` with the status the error means. A 5xx never
 * carries internal details; 503 says which notification was accepted only in part.
 */
export function errorResponse(
  error: unknown,
  reporting: HttpErrorReporting,
): APIGatewayProxyResult {
  if (error instanceof InvalidRequestError) {
    return json(400, { message: error.message, errors: error.errors });
  }
  if (error instanceof UnprocessableRequestError) {
    return json(422, { message: error.message, errors: error.errors });
  }
  if (error instanceof NotFoundError) return json(404, { message: error.message });
  if (error instanceof ConflictError) return json(409, { message: error.message });
  if (error instanceof HttpError && error.statusCode < 500) {
    return json(error.statusCode, { message: error.message });
  }
  if (error instanceof EnqueueError) {
    reporting.logger.error('notification accepted only in part', { error });
    reporting.metrics.addMetric('EnqueueFailures', MetricUnit.Count, error.failedDeliveries);
    return json(503, {
      message: `${error.message}; those deliveries were recorded failed. Retry later.`,
      id: error.notificationId,
    });
  }
  reporting.logger.error('request failed', { error: error as Error });
  return json(500, { message: 'Internal error' });
}

/** Middy middleware: every error a route throws becomes its HTTP answer (see errorResponse). */
export function httpErrors(
  reporting: HttpErrorReporting,
): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      request.response = errorResponse(request.error, reporting);
    },
  };
}
