import { createHash, createHmac } from 'node:crypto';

/*
 * AWS Signature Version 4 for a JSON/REST request without a query string: what an AWS SDK client
 * does before it sends, for the one or two calls where a whole SDK client would weigh more than the
 * caller (adapters/aws/signed-engine.ts). test/unit/adapters/aws/sigv4.test.ts checks every
 * signature against the SDK's own signer (@smithy/signature-v4).
 */

/** The caller's credentials (in Lambda: the function role's, from its environment). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A request to sign: `path` as sent on the wire (each segment already URI-encoded once). */
export interface SignableRequest {
  method: string;
  host: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const uriEscape = (value: string) =>
  encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/**
 * The headers to send with `request`: its own, `host`, `x-amz-content-sha256`, `x-amz-date`, the
 * session token if any, and `authorization`. Every header given is signed.
 */
export function signV4(
  request: SignableRequest,
  scope: { service: string; region: string; credentials: AwsCredentials; now?: Date },
): Record<string, string> {
  const { service, region, credentials } = scope;
  const amzDate = (scope.now ?? new Date()).toISOString().replace(/[-:]|\.\d{3}/g, '');
  const date = amzDate.slice(0, 8);
  const payloadHash = sha256(request.body);
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
    host: request.host,
    // The payload's hash, sent and signed as the SDK's signer does (optional outside S3).
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': amzDate,
    ...(credentials.sessionToken && { 'x-amz-security-token': credentials.sessionToken }),
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    request.method,
    // Every service but S3 signs each path segment encoded once more.
    request.path.split('/').map(uriEscape).join('/'),
    '',
    ...names.map((name) => `${name}:${String(headers[name]).trim().replace(/\s+/g, ' ')}`),
    '',
    names.join(';'),
    payloadHash,
  ].join('\n');
  const credentialScope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256(canonical)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), region), service),
    'aws4_request',
  );
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}
