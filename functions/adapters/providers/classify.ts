import { ProviderError, type ProviderFailureKind } from '../../core/shared/errors';

/*
 * Shared failure classification for the provider adapters.
 *
 * Policy, applied by every adapter: a failure is `permanent` only when the provider says this
 * message to this recipient can never succeed (bad address, unknown channel, rejected content).
 * Authentication and configuration failures (bad credentials, revoked token, unverified sender
 * identity on our side, missing permission) are `transient` on purpose: they are an operator
 * problem, not the recipient's, so the message is retried with backoff over 5 receives (about
 * 7.5 minutes in AWS) and an operator who fixes the configuration in that time loses nothing;
 * after that the delivery is recorded failed with the reason and the message stays in the
 * channel DLQ for inspection. Anything unrecognised is `transient` too, for the same reason.
 */

/** Node/undici socket and DNS error codes that mean "the request may not have reached anyone". */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

const TIMEOUT_ERROR_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout']);

/**
 * Failures after the request may have been sent: the provider may have accepted the message
 * (a timeout, a connection lost mid-exchange). Refused connections and DNS failures are not.
 */
const OUTCOME_UNKNOWN_CODES = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

type ErrorLike = Record<string, unknown>;

function asRecord(value: unknown): ErrorLike | undefined {
  return typeof value === 'object' && value !== null ? (value as ErrorLike) : undefined;
}

/** The error's message, whatever was thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}

/** A string property of an error-like value, if present. */
export function stringProp(err: unknown, key: string): string | undefined {
  const value = asRecord(err)?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** A number property of an error-like value, if present. */
export function numberProp(err: unknown, key: string): number | undefined {
  const value = asRecord(err)?.[key];
  return typeof value === 'number' ? value : undefined;
}

/**
 * Seconds to wait from an HTTP `Retry-After` value (delta-seconds or HTTP date). Undefined when
 * absent or unparseable, so callers fall back to their own backoff.
 */
export function parseRetryAfter(value: unknown): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? Math.ceil(raw) : undefined;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds) : undefined;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** Reads a header from the plain-object or `Headers` shapes the SDKs expose. */
export function headerValue(headers: unknown, name: string): unknown {
  if (headers === undefined || headers === null) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(n: string): unknown }).get(name) ?? undefined;
  }
  const record = asRecord(headers);
  if (!record) return undefined;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(record)) {
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
}

/**
 * If `err` (or anything in its `cause` chain) is a socket, DNS or timeout failure, a transient
 * ProviderError for it: the provider may never have seen the request, so trying again is safe.
 */
export function classifyNetworkError(err: unknown): ProviderError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const code = stringProp(current, 'code') ?? stringProp(current, 'errno');
    if (code !== undefined && NETWORK_ERROR_CODES.has(code)) {
      return new ProviderError('transient', code, errorMessage(err), {
        cause: err,
        outcomeUnknown: OUTCOME_UNKNOWN_CODES.has(code),
      });
    }
    const name = stringProp(current, 'name');
    if (name !== undefined && TIMEOUT_ERROR_NAMES.has(name)) {
      return new ProviderError('transient', name, errorMessage(err), {
        cause: err,
        outcomeUnknown: true,
      });
    }
    current = asRecord(current)?.cause;
  }
  return undefined;
}

/** Lists of provider codes known to be permanent or transient; anything else is transient. */
export interface ErrorCodeTable {
  permanent: ReadonlySet<string>;
  transient?: ReadonlySet<string>;
}

/** The default for anything a provider did not tell us how to read. */
export function unknownProviderError(err: unknown, code = 'Unknown'): ProviderError {
  return new ProviderError('transient', code, errorMessage(err), { cause: err });
}

/**
 * Classifies an AWS SDK v3 service exception by its modelled name, then by what the SDK itself
 * knows (`$retryable`, `$fault`, HTTP status), then as a network error.
 */
export function classifyAwsError(err: unknown, table: ErrorCodeTable): ProviderError {
  const record = asRecord(err);
  const metadata = asRecord(record?.$metadata);
  if (!record || !metadata) return classifyNetworkError(err) ?? unknownProviderError(err);

  const code = stringProp(err, 'name') ?? 'Unknown';
  const status = numberProp(metadata, 'httpStatusCode');
  const response = asRecord(record.$response);
  const retryAfterSeconds = parseRetryAfter(headerValue(response?.headers, 'retry-after'));
  const make = (kind: ProviderFailureKind) =>
    new ProviderError(kind, code, errorMessage(err), {
      cause: err,
      ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    });

  if (table.permanent.has(code)) return make('permanent');
  if (table.transient?.has(code)) return make('transient');
  // The SDK marks throttling and clock-skew errors retryable; those are never permanent.
  if (record.$retryable !== undefined && record.$retryable !== null) return make('transient');
  if (status !== undefined && (status === 429 || status >= 500)) return make('transient');
  return classifyNetworkError(err) ?? make('transient');
}
