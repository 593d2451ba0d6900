import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/*
 * AWS Signature Version 4 for a JSON/REST request without a query string, by the SDK's own signer
 * (@smithy/signature-v4, already in every bundle under the SDK clients): for the one or two calls
 * where a whole SDK client would weigh more than the caller (adapters/lambda/signed-engine.ts).
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

type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Data) =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** The signer's hash: SHA-256, or HMAC-SHA256 with a key, from node:crypto. */
export class Sha256 {
  readonly #hash;
  constructor(secret?: Data) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Data) {
    this.#hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.#hash.digest());
  }
}

/**
 * The headers to send with `request`: its own, `host`, `x-amz-content-sha256`, `x-amz-date`, the
 * session token if any, and `authorization`.
 */
export async function signV4(
  request: SignableRequest,
  scope: { service: string; region: string; credentials: AwsCredentials; now?: Date },
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: scope.service,
    region: scope.region,
    sha256: Sha256,
    credentials: scope.credentials,
    // Every service but S3 signs each path segment encoded once more.
    uriEscapePath: true,
    applyChecksum: true,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: request.host,
      path: request.path,
      query: {},
      headers: { ...request.headers, host: request.host },
      body: request.body,
    },
    scope.now ? { signingDate: scope.now } : {},
  );
  return signed.headers;
}
