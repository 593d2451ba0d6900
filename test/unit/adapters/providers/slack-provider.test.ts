import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SlackProvider } from '../../../../functions/adapters/providers/slack/slack-provider';
import { FailureInjector, Outbox } from '../../../../local/fakes/outbox';
import { startSlack } from '../../../../local/fakes/slack-fake';
import { closedPort, outbound, providerError, sendOptions, startHttpEdge } from './support';

const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Deploy* finished' } }];

describe('SlackProvider against the local Slack fake', () => {
  const outbox = new Outbox();
  let fake: Awaited<ReturnType<typeof startSlack>>;
  let provider: SlackProvider;

  beforeAll(async () => {
    fake = await startSlack({ outbox, failures: new FailureInjector() });
    provider = new SlackProvider({ botToken: 'xoxb-local', apiUrl: fake.url });
  });
  afterAll(() => fake.close());
  beforeEach(() => outbox.clear());

  it('posts the message and returns its ts; the channel shows text and blocks', async () => {
    const receipt = await provider.send(
      outbound('slack', 'C0DEPLOYS', { text: 'Deploy finished', blocks }),
      sendOptions(),
    );

    expect(fake.url).toMatch(/\/api\/$/);
    expect(receipt.providerMessageId).toMatch(/^\d+\.\d{6}$/);
    expect(outbox.list()).toEqual([
      expect.objectContaining({
        channel: 'slack',
        recipient: 'C0DEPLOYS',
        content: { text: 'Deploy finished', blocks },
        providerMessageId: receipt.providerMessageId,
      }),
    ]);
  });

  it('maps an unknown channel to permanent channel_not_found', async () => {
    const err = await providerError(() =>
      provider.send(outbound('slack', '#fail-permanent', { text: 'x' }), sendOptions()),
    );

    expect(err).toMatchObject({ kind: 'permanent', code: 'channel_not_found' });
  });

  it('surfaces a 429 at once as transient ratelimited with Retry-After, without SDK retries', async () => {
    const started = Date.now();

    const err = await providerError(() =>
      provider.send(outbound('slack', '#fail-always', { text: 'x' }), sendOptions()),
    );

    expect(err).toMatchObject({ kind: 'transient', code: 'ratelimited', retryAfterSeconds: 1 });
    // The fake says Retry-After: 1; an SDK that slept through it would take at least that long.
    expect(Date.now() - started).toBeLessThan(900);
    expect(outbox.list()).toEqual([]);
  });

  it('maps a refused connection to a transient network error', async () => {
    const offline = new SlackProvider({
      botToken: 'xoxb-local',
      apiUrl: `http://127.0.0.1:${await closedPort()}/api/`,
    });

    const err = await providerError(() =>
      offline.send(outbound('slack', 'C1', { text: 'x' }), sendOptions()),
    );

    expect(err).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED' });
  });
});

describe('SlackProvider at the HTTP edge', () => {
  const edge = startHttpEdge();
  let provider: SlackProvider;

  beforeAll(async () => {
    provider = new SlackProvider({ botToken: 'xoxb-edge', apiUrl: `${(await edge).url}/api/` });
  });
  afterAll(async () => (await edge).close());

  it('calls chat.postMessage with the bot token', async () => {
    const server = await edge;
    server.answerWith(() => ({ status: 200, body: { ok: true, ts: '1700000000.000200' } }));

    const receipt = await provider.send(outbound('slack', 'C1', { text: 'hello' }), sendOptions());

    expect(receipt).toEqual({ providerMessageId: '1700000000.000200' });
    expect(server.requests.at(-1)?.url).toBe('/api/chat.postMessage');
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer xoxb-edge');
  });

  it.each([
    ['not_in_channel', 'permanent'],
    ['is_archived', 'permanent'],
    ['msg_too_long', 'permanent'],
    ['no_text', 'permanent'],
    ['invalid_blocks', 'permanent'],
    ['invalid_auth', 'transient'],
    ['not_authed', 'transient'],
    ['token_revoked', 'transient'],
    ['account_inactive', 'transient'],
    ['internal_error', 'transient'],
    ['fatal_error', 'transient'],
  ] as const)('maps Slack error %s to %s', async (code, kind) => {
    (await edge).answerWith(() => ({ status: 200, body: { ok: false, error: code } }));

    const err = await providerError(() =>
      provider.send(outbound('slack', 'C1', { text: 'x' }), sendOptions()),
    );

    expect(err).toMatchObject({ kind, code });
  });

  it('maps an HTTP 503 to transient', async () => {
    (await edge).answerWith(() => ({ status: 503, body: 'unavailable' }));

    const err = await providerError(() =>
      provider.send(outbound('slack', 'C1', { text: 'x' }), sendOptions()),
    );

    expect(err).toMatchObject({ kind: 'transient', code: 'http_503' });
  });
});
