import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FcmPushProvider } from '../../../../functions/adapters/providers/push/fcm-push-provider';
import { createLocalServiceAccount, startFcm } from '../../../../local/fakes/fcm-fake';
import { FailureInjector, Outbox } from '../../../../local/fakes/outbox';
import { outbound, providerError, startHttpEdge } from './support';

const push = (token: string) =>
  outbound('push', token, {
    title: 'Order shipped',
    body: 'Arriving Tuesday',
    data: { orderId: '42' },
  });

describe('FcmPushProvider against the local FCM fake', () => {
  const outbox = new Outbox();
  let fake: Awaited<ReturnType<typeof startFcm>>;
  let provider: FcmPushProvider;

  beforeAll(async () => {
    fake = await startFcm({ outbox, failures: new FailureInjector() });
    provider = new FcmPushProvider({
      serviceAccount: createLocalServiceAccount('herald-test'),
      apiBaseUrl: fake.url,
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => outbox.clear());

  it('gets an OAuth token from the fake, sends, and returns the FCM message name', async () => {
    const receipt = await provider.send(push('device-token-1'));

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

  it('maps an unregistered token to permanent messaging/registration-token-not-registered', async () => {
    const err = await providerError(() => provider.send(push('token-fail-permanent')));

    expect(err).toMatchObject({
      kind: 'permanent',
      code: 'messaging/registration-token-not-registered',
    });
  });

  it('maps QUOTA_EXCEEDED to transient with the Retry-After seconds', async () => {
    const err = await providerError(() => provider.send(push('token-fail-always')));

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
      serviceAccount: createLocalServiceAccount('herald-edge'),
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

    await provider.send(push('device-token-9'));

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
      403,
      'PERMISSION_DENIED',
      'SENDER_ID_MISMATCH',
      'messaging/mismatched-credential',
      'transient',
    ],
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

    const err = await providerError(() => provider.send(push('device-token-9')));

    expect(err).toMatchObject({ kind, code });
  });

  it('maps a refused OAuth token (operator configuration) to transient', async () => {
    const rejecting = await startHttpEdge(() => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    }));
    const badKey = new FcmPushProvider({
      serviceAccount: createLocalServiceAccount('herald-bad-key'),
      apiBaseUrl: rejecting.url,
    });

    const err = await providerError(() => badKey.send(push('device-token-9')));
    await rejecting.close();

    expect(err).toMatchObject({ kind: 'transient', code: 'app/invalid-credential' });
  });
});
