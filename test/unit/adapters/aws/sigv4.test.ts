import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { Sha256, signV4 } from '../../../../functions/adapters/aws/sigv4';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//token=',
};
const now = new Date('2026-12-07T01:02:03.456Z');

/** The Authorization header the SDK's own signer gives the same request. */
async function sdkSignature(request: {
  host: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  sessionToken?: boolean;
}) {
  const signer = new SignatureV4({
    service: 'lambda',
    region: 'eu-west-1',
    sha256: Sha256,
    credentials:
      request.sessionToken === false ? { ...credentials, sessionToken: undefined } : credentials,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: request.host,
      path: request.path,
      query: {},
      headers: { ...request.headers, host: request.host },
      body: request.body,
    },
    { signingDate: now },
  );
  return signed.headers.authorization;
}

describe('signV4', () => {
  it('signs as the AWS SDK does: a durable Invoke on a qualified function ARN (colons escaped in the path)', async () => {
    const request = {
      host: 'lambda.eu-west-1.amazonaws.com',
      path: `/2015-03-31/functions/${encodeURIComponent('arn:aws:lambda:eu-west-1:123456789012:function:herald-dev-workflow:live')}/invocations`,
      headers: {
        'content-type': 'application/octet-stream',
        'x-amz-invocation-type': 'Event',
        'x-amz-durable-execution-name': 'run-01J0 (retry)*',
      },
      body: JSON.stringify({ runId: 'run-01J0 (retry)*' }),
    };
    const ours = await signV4(
      { method: 'POST', ...request },
      { service: 'lambda', region: 'eu-west-1', credentials, now },
    );
    expect(ours.authorization).toBe(await sdkSignature(request));
    expect(ours['x-amz-security-token']).toBe(credentials.sessionToken);
    expect(ours['x-amz-date']).toBe('20261207T010203Z');
  });

  it('signs a callback completion without a session token, a non-ASCII body and odd characters in the id', async () => {
    const request = {
      host: 'localhost:4010',
      path: `/2025-12-01/durable-execution-callbacks/${encodeURIComponent("cb/1+2=3!'()")}/succeed`,
      headers: { 'content-type': 'application/octet-stream' },
      body: JSON.stringify({ status: 'delivered', note: 'Grüße  ✓' }),
    };
    const { sessionToken: _, ...plain } = credentials;
    const ours = await signV4(
      { method: 'POST', ...request },
      { service: 'lambda', region: 'eu-west-1', credentials: plain, now },
    );
    expect(ours.authorization).toBe(await sdkSignature({ ...request, sessionToken: false }));
    expect(ours['x-amz-security-token']).toBeUndefined();
    // And it can fail: another body is another signature.
    const other = await signV4(
      { method: 'POST', ...request, body: '{}' },
      { service: 'lambda', region: 'eu-west-1', credentials: plain, now },
    );
    expect(other.authorization).not.toBe(ours.authorization);
  });
});
