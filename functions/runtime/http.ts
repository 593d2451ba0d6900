import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { HttpError } from '../core/errors';

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
    throw new HttpError(400, `Malformed JSON: ${(error as Error).message}`, {}, { cause: error });
  }
}
