import { describe, expect, it } from 'vitest';
import {
  classifyAwsError,
  classifyNetworkError,
  parseRetryAfter,
} from '../../../../functions/adapters/providers/classify';

describe('parseRetryAfter', () => {
  it.each([
    ['3', 3],
    ['0', 0],
    [['2'], 2],
    [1.2, 2],
    ['soon', undefined],
    ['-1', undefined],
    [undefined, undefined],
  ] as const)('reads %o as %o seconds', (value, seconds) => {
    expect(parseRetryAfter(value)).toBe(seconds);
  });

  it('reads an HTTP date as the seconds until then', () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();

    // HTTP dates have whole seconds, and a slow machine may cross one more before parsing.
    expect(parseRetryAfter(inTenSeconds)).toBeGreaterThanOrEqual(8);
    expect(parseRetryAfter(inTenSeconds)).toBeLessThanOrEqual(10);
  });
});

describe('classifyNetworkError', () => {
  it('finds a socket error code anywhere in the cause chain', () => {
    const socket = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const wrapped = new Error('fetch failed', {
      cause: new Error('request failed', { cause: socket }),
    });

    expect(classifyNetworkError(wrapped)).toMatchObject({ kind: 'transient', code: 'ECONNRESET' });
  });

  it('treats timeouts as transient', () => {
    const timeout = Object.assign(new Error('aborted'), { name: 'TimeoutError' });

    expect(classifyNetworkError(timeout)).toMatchObject({
      kind: 'transient',
      code: 'TimeoutError',
    });
  });

  it('leaves other errors alone', () => {
    expect(classifyNetworkError(new TypeError('x is undefined'))).toBeUndefined();
  });
});

describe('classifyAwsError', () => {
  const awsError = (name: string, extra: Record<string, unknown>) =>
    Object.assign(new Error(name), { name, $fault: 'client', ...extra });
  const table = { permanent: new Set(['MessageRejected']) };

  it('trusts the table first', () => {
    const err = awsError('MessageRejected', { $metadata: { httpStatusCode: 400 } });

    expect(classifyAwsError(err, table)).toMatchObject({
      kind: 'permanent',
      code: 'MessageRejected',
    });
  });

  it('treats errors the SDK marks retryable as transient', () => {
    const err = awsError('Weird', {
      $metadata: { httpStatusCode: 400 },
      $retryable: { throttling: true },
    });

    expect(classifyAwsError(err, table)).toMatchObject({ kind: 'transient', code: 'Weird' });
  });

  it('treats unknown 4xx codes as transient so they end in the DLQ', () => {
    const err = awsError('BrandNewException', { $metadata: { httpStatusCode: 400 } });

    expect(classifyAwsError(err, table)).toMatchObject({ kind: 'transient' });
  });

  it('treats a non-AWS error as transient Unknown', () => {
    expect(classifyAwsError(new Error('boom'), table)).toMatchObject({
      kind: 'transient',
      code: 'Unknown',
    });
  });
});
