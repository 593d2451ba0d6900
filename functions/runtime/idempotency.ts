import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { InvalidRequestError } from '../core/shared/errors';
import { header, json } from './http';

/*
 * `Idempotency-Key` on requests that create something, on Powertools idempotency: the first
 * answer (status and body) is kept for 24 hours per tenant, route and key, with a hash of the
 * request body. The same key and body get that answer again; the same key with another body is a
 * 422; the same key while the first request still runs is a 409.
 */

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** How long a key and its answer are kept. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** A first request takes well under a second; the client may try again after this. */
export const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;
/** When the idempotency table cannot be read or written, the client may try again after this. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

const KEY_PATTERN = /^[\x20-\x7E]{1,255}$/;

/** The request's Idempotency-Key (1-255 printable ASCII characters), or undefined when absent. */
export function idempotencyKeyOf(event: APIGatewayProxyEvent): string | undefined {
  const value = header(event, IDEMPOTENCY_KEY_HEADER);
  if (value === undefined) return undefined;
  if (!KEY_PATTERN.test(value)) {
    throw new InvalidRequestError([
      {
        path: IDEMPOTENCY_KEY_HEADER,
        message: 'must be 1 to 255 printable ASCII characters',
      },
    ]);
  }
  return value;
}

/** An answer worth keeping: what a client that retries must get again. */
export interface KeptAnswer {
  statusCode: number;
  body: unknown;
}

/** What identifies a request (tenant, route, key) and what must match on a retry (body). */
export interface IdempotentRequest {
  tenantId: string;
  route: string;
  key: string;
  body: unknown;
}

type Answer = KeptAnswer & { replayed?: boolean };

/** Runs requests at most once per tenant, route and key. */
export interface Idempotency {
  /**
   * The kept answer when this key was used before with the same body, else `compute`'s (kept
   * when it returns; forgotten when it throws, so a request refused as invalid can be corrected).
   */
  run(
    request: IdempotentRequest,
    context: Context,
    compute: () => Promise<KeptAnswer>,
  ): Promise<APIGatewayProxyResult>;
}

/**
 * Idempotency kept in its own DynamoDB table (Powertools' layout: `id`, TTL `expiration`).
 * When that table fails, the answer follows what happened to the request itself: nothing ran
 * (the key could not be checked) -> 503 with Retry-After; it ran and answered, but its answer
 * could not be kept -> that answer (a 202 must not turn into an error the client retries into a
 * second notification), reported through `onKeyNotKept`; it failed -> its own error.
 */
export function createIdempotency(
  tableName: string,
  client: DynamoDBClient,
  onKeyNotKept: (error: unknown) => void = () => undefined,
): Idempotency {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[tenantId, route, key]',
    payloadValidationJmesPath: 'body',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
    responseHook: (response) => ({ ...(response as object), replayed: true }),
  });
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
  const once = makeIdempotent(
    async (
      _request: IdempotentRequest,
      _context: Context,
      compute: () => Promise<KeptAnswer>,
    ): Promise<Answer> => compute(),
    // A stable prefix: keys outlive a renamed function.
    { persistenceStore, config, keyPrefix: 'herald' },
  );
  return {
    async run(request, context, compute) {
      let answer: Answer;
      // What the request itself did, whatever happens to its idempotency record.
      let outcome: { answer: KeptAnswer } | { error: unknown } | undefined;
      const tracked = async () => {
        try {
          const computed = await compute();
          outcome = { answer: computed };
          return computed;
        } catch (error) {
          outcome = { error };
          throw error;
        }
      };
      try {
        answer = await once(request, context, tracked);
      } catch (error) {
        if (error instanceof IdempotencyValidationError) {
          return json(422, {
            message: `${IDEMPOTENCY_KEY_HEADER} was already used with a different request`,
          });
        }
        if (error instanceof IdempotencyAlreadyInProgressError) {
          const answer = json(409, {
            message: `A request with this ${IDEMPOTENCY_KEY_HEADER} is still being processed`,
          });
          answer.headers = {
            ...answer.headers,
            'retry-after': String(IN_PROGRESS_RETRY_AFTER_SECONDS),
          };
          return answer;
        }
        if (error instanceof IdempotencyPersistenceLayerError) {
          if (outcome && 'error' in outcome) throw outcome.error;
          if (outcome) {
            onKeyNotKept(error);
            return json(outcome.answer.statusCode, outcome.answer.body);
          }
          const unavailable = json(503, {
            message: `${IDEMPOTENCY_KEY_HEADER} could not be checked; nothing was done. Retry later.`,
          });
          unavailable.headers = {
            ...unavailable.headers,
            'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
          };
          return unavailable;
        }
        throw error;
      }
      const result = json(answer.statusCode, answer.body);
      if (answer.replayed) result.headers = { ...result.headers, 'idempotency-replayed': 'true' };
      return result;
    },
  };
}
