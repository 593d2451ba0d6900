import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Channel,
  type ContentByChannel,
  type OutboundMessage,
  PROVIDER_TIMEOUT_MS,
} from '../../../../functions/core/notifications/model';
import { ProviderError } from '../../../../functions/core/shared/errors';

/** An outbound message as the deliver use-case would hand it to a provider. */
export function outbound<C extends Channel>(
  channel: C,
  recipient: string,
  content: ContentByChannel[C],
): OutboundMessage<C> {
  return {
    channel,
    notificationId: 'notif-1',
    deliveryId: `${channel}#0`,
    tenantId: 'acme',
    recipient,
    content,
  };
}

/** Runs `send` and returns the ProviderError it must throw. */
export async function providerError(send: () => Promise<unknown>): Promise<ProviderError> {
  try {
    await send();
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw new Error(`expected a ProviderError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected the send to fail');
}

/** One request as seen at the HTTP edge. */
export interface EdgeRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A canned answer for the next requests to the edge server. */
export interface EdgeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A stand-in for a vendor endpoint at the HTTP level: records requests and answers whatever the
 * test sets, so error shapes the fakes never produce still go through the real SDK parsing.
 */
export async function startHttpEdge(
  answer: (req: EdgeRequest) => EdgeAnswer = () => ({ status: 200, body: {} }),
) {
  const requests: EdgeRequest[] = [];
  let respond = answer;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: EdgeRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(seen);
      const { status, headers = {}, body } = respond(seen);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answerWith(next: (req: EdgeRequest) => EdgeAnswer) {
      respond = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port nothing listens on, for connection-refused cases. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Static credentials so AWS SDK clients sign requests without looking for real ones. */
export const fakeAwsCredentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

/** What the deliver use-case passes every send: a signal aborted after PROVIDER_TIMEOUT_MS. */
export function sendOptions(timeoutMs = PROVIDER_TIMEOUT_MS): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(timeoutMs) };
}
