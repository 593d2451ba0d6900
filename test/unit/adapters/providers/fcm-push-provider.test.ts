import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FcmPushProvider } from '../../../../functions/adapters/providers/push/fcm-push-provider';
import { serviceAccountTokens } from '../../../../functions/runtime/providers/fcm-push-source';
import { createLocalServiceAccount, startFcm } from '../../../../local/fakes/fcm-fake';
import { FailureInjector, Outbox } from '../../../../local/fakes/outbox';
import { redirectGoogleApis } from '../../../../local/google-oauth-redirect';
import { outbound, providerError, sendOptions, startHttpEdge } from './support';

const push = (token: string) =>
  outbound('push', token, {
    title: 'Order shipped',
    body: 'Arriving Tuesday',
    data: { orderId: '42' },
  });

describe('FcmPushProvider against the local FCM fake, with the production credential (cert())', () => {
  const outbox = new Outbox();
  let fake: Awaited<ReturnType<typeof startFcm>>;
  let provider: FcmPushProvider;
  let undoRedirect: () => void;

  beforeAll(async () => {
    fake = await startFcm({ outbox, failures: new FailureInjector() });
    // What the local stack preloads: Google's OAuth endpoint answered by the fake.
    undoRedirect = redirectGoogleApis(fake.url);
    provider = new FcmPushProvider({
      projectId: 'herald-test',
      accessToken: serviceAccountTokens(createLocalServiceAccount('herald-test')),
      apiBaseUrl: fake.url,
    });
  });
  afterAll(async () => {
    undoRedirect();
    await fake.close();
  });
  beforeEach(() => outbox.clear());

  it('gets an OAuth token from the fake, sends, and returns the FCM message name', async () => {
    const receipt = await provider.send(push('device-token-1'), sendOptions());

    expect(receipt.providerMessageId).toMatch(/^projects\/herald-test\/messages\/\S+$/);
    expect(outbox.list()).toEqual([
      expect.objectContaining({
        channel: 'push',
        recipient: 'device-token-1',
        content: { title: 'Order shipped', body: 'Arriving Tuesday', data: { orderId: '42' } },
        providerMessageId: receipt.providerMessageId,
      }),
    ]);
  });

  it('maps an unregistered token to permanent messaging/registration-token-not-registered, to be suppressed', async () => {
    const err = await providerError(() => provider.send(push('token-unregistered'), sendOptions()));

    expect(err).toMatchObject({
      kind: 'permanent',
      code: 'messaging/registration-token-not-registered',
      suppress: 'invalid-token',
    });
  });

  it('maps INVALID_ARGUMENT to permanent without suppressing the token', async () => {
    const err = await providerError(() =>
      provider.send(push('token-fail-permanent'), sendOptions()),
    );

    expect(err).toMatchObject({ kind: 'permanent', code: 'messaging/invalid-argument' });
    expect(err.suppress).toBeUndefined();
  });

  it('maps QUOTA_EXCEEDED to transient with the Retry-After seconds', async () => {
    const err = await providerError(() => provider.send(push('token-fail-always'), sendOptions()));

    expect(err).toMatchObject({
      kind: 'transient',
      code: 'messaging/message-rate-exceeded',
      retryAfterSeconds: 1,
    });
    expect(outbox.list()).toEqual([]);
  });
});

describe('FcmPushProvider at the HTTP edge', () => {
  const token = { access_token: 'ya29.edge', expires_in: 3600, token_type: 'Bearer' };
  const edge = startHttpEdge((req) =>
    req.url === '/token' ? { status: 200, body: token } : { status: 200, body: { name: 'x' } },
  );
  let provider: FcmPushProvider;

  beforeAll(async () => {
    provider = new FcmPushProvider({
      projectId: 'herald-edge',
      accessToken: async () => token.access_token,
      apiBaseUrl: (await edge).url,
    });
  });
  afterAll(async () => (await edge).close());

  const fcmError = (code: number, status: string, errorCode?: string) => ({
    error: {
      code,
      status,
      message: 'nope',
      details:
        errorCode === undefined
          ? []
          : [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }],
    },
  });

  it('sends one message to the token over HTTP v1 with the OAuth bearer token', async () => {
    const server = await edge;
    server.answerWith((req) =>
      req.url === '/token'
        ? { status: 200, body: token }
        : { status: 200, body: { name: 'projects/herald-edge/messages/1' } },
    );

    await provider.send(push('device-token-9'), sendOptions());

    const send = server.requests.find((r) => r.url.endsWith('/messages:send'));
    expect(send?.url).toBe('/v1/projects/herald-edge/messages:send');
    expect(send?.headers.authorization).toBe('Bearer ya29.edge');
    expect(JSON.parse(send?.body ?? '{}')).toEqual({
      message: {
        token: 'device-token-9',
        notification: { title: 'Order shipped', body: 'Arriving Tuesday' },
        data: { orderId: '42' },
      },
    });
  });

  it.each([
    [400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'messaging/invalid-argument', 'permanent'],
    [
      401,
      'UNAUTHENTICATED',
      'THIRD_PARTY_AUTH_ERROR',
      'messaging/third-party-auth-error',
      'transient',
    ],
    [500, 'INTERNAL', 'INTERNAL', 'messaging/internal-error', 'transient'],
  ] as const)('maps HTTP %i %s/%s to %s (%s)', async (status, grpc, fcm, code, kind) => {
    (await edge).answerWith((req) =>
      req.url === '/token'
        ? { status: 200, body: token }
        : { status, body: fcmError(status, grpc, fcm) },
    );

    const err = await providerError(() => provider.send(push('device-token-9'), sendOptions()));

    expect(err).toMatchObject({ kind, code });
  });

  it('maps SENDER_ID_MISMATCH to permanent and suppresses the token: it belongs to another sender', async () => {
    (await edge).answerWith((req) =>
      req.url === '/token'
        ? { status: 200, body: token }
        : { status: 403, body: fcmError(403, 'PERMISSION_DENIED', 'SENDER_ID_MISMATCH') },
    );

    const err = await providerError(() => provider.send(push('device-token-9'), sendOptions()));

    expect(err).toMatchObject({
      kind: 'permanent',
      code: 'messaging/mismatched-credential',
      suppress: 'invalid-token',
    });
  });

  it('maps a refused OAuth token (operator configuration) to transient', async () => {
    const rejecting = await startHttpEdge(() => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    }));
    const undo = redirectGoogleApis(rejecting.url);
    const badKey = new FcmPushProvider({
      projectId: 'herald-bad-key',
      accessToken: serviceAccountTokens(createLocalServiceAccount('herald-bad-key')),
      apiBaseUrl: rejecting.url,
    });

    const err = await providerError(() => badKey.send(push('device-token-9'), sendOptions()));
    undo();
    await rejecting.close();

    expect(err).toMatchObject({ kind: 'transient', code: 'app/invalid-credential' });
    expect(rejecting.requests.map((r) => r.url)).toEqual(['/token']);
  });

  it('sends exactly one request for a 503: no SDK retry inside an attempt', async () => {
    const server = await edge;
    const before = server.requests.length;
    server.answerWith(() => ({ status: 503, body: fcmError(503, 'UNAVAILABLE', 'UNAVAILABLE') }));

    const err = await providerError(() => provider.send(push('device-token-9'), sendOptions()));

    expect(err).toMatchObject({ kind: 'transient', code: 'messaging/server-unavailable' });
    expect(server.requests.length - before).toBe(1);
  });
});

describe('FcmPushProvider under a provider that never answers', () => {
  const seen: { closedAt?: number }[] = [];
  const server = createServer((req: IncomingMessage) => {
    const entry: { closedAt?: number } = {};
    seen.push(entry);
    req.socket.on('close', () => {
      entry.closedAt = Date.now();
    });
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('aborts the request itself at the timeout and reports an ambiguous attempt', async () => {
    const { port } = server.address() as AddressInfo;
    const hung = new FcmPushProvider({
      projectId: 'herald-hang',
      accessToken: async () => 'ya29.hang',
      apiBaseUrl: `http://127.0.0.1:${port}`,
    });
    const started = Date.now();

    const err = await providerError(() => hung.send(push('device-token-9'), sendOptions(300)));

    expect(err).toMatchObject({ kind: 'transient', outcomeUnknown: true });
    expect(Date.now() - started).toBeLessThan(2_000);
    // The connection is closed by the client, not left open: nothing is still in flight.
    await expect.poll(() => seen[0]?.closedAt).toBeDefined();
    expect(seen).toHaveLength(1);
  });
});
