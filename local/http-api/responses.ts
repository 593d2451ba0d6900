import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';

/** Reading requests and writing answers the way API Gateway does. */

/** Read at most this much: API Gateway accepts 10 MB; Herald's own smaller limit is the handler's. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

/** The body, or undefined after answering 413 when it is over the limit. */
export async function readBody(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Buffer | undefined> {
  const tooLarge = () => {
    // Close the connection: the rest of an oversized upload is not worth reading.
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ message: 'Request Entity Too Large' }));
    res.once('finish', () => req.destroy());
    return undefined;
  };
  if (Number(req.headers['content-length'] ?? 0) > MAX_REQUEST_BYTES) return tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function writeResult(
  res: ServerResponse,
  result: APIGatewayProxyResult,
  requestId: string,
): void {
  const headers: Record<string, string | string[]> = { 'x-amzn-RequestId': requestId };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name] = values.map(String);
  }
  const body = result.isBase64Encoded
    ? Buffer.from(result.body ?? '', 'base64')
    : Buffer.from(result.body ?? '', 'utf8');
  headers['content-length'] = String(body.length);
  res.writeHead(result.statusCode, headers);
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  requestId?: string,
): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(requestId ? { 'x-amzn-RequestId': requestId } : {}),
  });
  res.end(body);
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
