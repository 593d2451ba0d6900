import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SesEmailProvider } from '../../../../functions/adapters/providers/email/ses-email-provider';
import { FailureInjector, Outbox } from '../../../../local/fakes/outbox';
import { type RunningSesFake, startSes } from '../../../../local/fakes/ses-fake';
import {
  closedPort,
  fakeAwsCredentials,
  outbound,
  providerError,
  sendOptions,
  startHttpEdge,
} from './support';

function sesClient(endpoint: string): SESv2Client {
  return new SESv2Client({
    endpoint,
    region: 'us-east-1',
    credentials: fakeAwsCredentials,
    maxAttempts: 1,
  });
}

const email = (recipient: string, content: Partial<Parameters<typeof outbound<'email'>>[2]> = {}) =>
  outbound('email', recipient, { subject: 'Your order', text: 'It shipped.', ...content });

describe('SesEmailProvider against the local SES fake', () => {
  const outbox = new Outbox();
  let fake: RunningSesFake;
  let provider: SesEmailProvider;

  beforeAll(async () => {
    fake = await startSes({ outbox, failures: new FailureInjector() });
    provider = new SesEmailProvider({ from: 'noreply@herald.test' }, sesClient(fake.url));
  });
  afterAll(() => fake.close());
  beforeEach(() => outbox.clear());

  it('sends and returns the SES MessageId, and the mailbox shows the mail', async () => {
    const receipt = await provider.send(
      email('ada@example.com', { html: '<p>It shipped.</p>', replyTo: 'help@herald.test' }),
      sendOptions(),
    );

    expect(receipt.providerMessageId).toMatch(/\S+/);
    expect(outbox.list({ channel: 'email' })).toEqual([
      expect.objectContaining({
        recipient: 'ada@example.com',
        providerMessageId: receipt.providerMessageId,
        content: {
          subject: 'Your order',
          text: 'It shipped.',
          html: '<p>It shipped.</p>',
          from: 'noreply@herald.test',
          replyTo: ['help@herald.test'],
          // The verified identity the fake matched the From to (the stack's sender domain).
          identity: 'herald.test',
        },
      }),
    ]);
  });

  it('uses the message sender when the request names one', async () => {
    await provider.send(email('bob@example.com', { from: 'billing@herald.test' }), sendOptions());

    expect(outbox.list({ recipient: 'bob@example.com' })[0]?.content.from).toBe(
      'billing@herald.test',
    );
  });

  it('maps a rejected recipient to a permanent MessageRejected', async () => {
    const err = await providerError(() =>
      provider.send(email('fail-permanent@example.com'), sendOptions()),
    );

    expect(err).toMatchObject({ kind: 'permanent', code: 'MessageRejected' });
    expect(outbox.list()).toEqual([]);
  });

  it('maps throttling to a transient TooManyRequestsException until the fake recovers', async () => {
    const first = await providerError(() =>
      provider.send(email('fail-transient@example.com'), sendOptions()),
    );
    await providerError(() => provider.send(email('fail-transient@example.com'), sendOptions()));
    const third = await provider.send(email('fail-transient@example.com'), sendOptions());

    expect(first).toMatchObject({ kind: 'transient', code: 'TooManyRequestsException' });
    expect(third.providerMessageId).toBeDefined();
    expect(outbox.list({ recipient: 'fail-transient@example.com' })).toHaveLength(1);
  });

  it('maps a request SES refuses to validate to a permanent BadRequestException', async () => {
    const noBody = outbound('email', 'ada@example.com', { subject: 'Empty' });

    const err = await providerError(() => provider.send(noBody, sendOptions()));

    expect(err).toMatchObject({ kind: 'permanent', code: 'BadRequestException' });
  });

  it('maps a refused connection to a transient network error', async () => {
    const offline = new SesEmailProvider(
      { from: 'noreply@herald.test' },
      sesClient(`http://127.0.0.1:${await closedPort()}`),
    );

    const err = await providerError(() => offline.send(email('ada@example.com'), sendOptions()));

    expect(err).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED' });
  });
});

describe('SesEmailProvider at the HTTP edge', () => {
  const edge = startHttpEdge();
  let provider: SesEmailProvider;

  beforeAll(async () => {
    provider = new SesEmailProvider(
      { from: 'noreply@herald.test', configurationSet: 'herald-events' },
      sesClient((await edge).url),
    );
  });
  afterAll(async () => (await edge).close());

  it('sends a Simple SendEmail with the configuration set and reply-to', async () => {
    const server = await edge;
    server.answerWith(() => ({ status: 200, body: { MessageId: 'ses-123' } }));

    const receipt = await provider.send(
      email('ada@example.com', { replyTo: 'help@herald.test' }),
      sendOptions(),
    );

    expect(receipt).toEqual({ providerMessageId: 'ses-123' });
    const sent = JSON.parse(server.requests.at(-1)?.body ?? '{}');
    expect(server.requests.at(-1)?.url).toBe('/v2/email/outbound-emails');
    expect(sent).toMatchObject({
      FromEmailAddress: 'noreply@herald.test',
      Destination: { ToAddresses: ['ada@example.com'] },
      ReplyToAddresses: ['help@herald.test'],
      ConfigurationSetName: 'herald-events',
      Content: {
        Simple: { Subject: { Data: 'Your order' }, Body: { Text: { Data: 'It shipped.' } } },
      },
    });
  });

  it('sends the From with its domain lower-cased, as the sandbox policy (StringLike) matches it', async () => {
    const server = await edge;
    server.answerWith(() => ({ status: 200, body: { MessageId: 'ses-124' } }));

    await provider.send(
      email('ada@example.com', { from: 'News <News@Herald.TEST>' }),
      sendOptions(),
    );

    const sent = JSON.parse(server.requests.at(-1)?.body ?? '{}');
    expect(sent.FromEmailAddress).toBe('News <News@herald.test>');
  });

  it.each([
    [400, 'MailFromDomainNotVerifiedException', 'transient'],
    [404, 'NotFoundException', 'transient'],
    [400, 'SendingPausedException', 'transient'],
    [429, 'LimitExceededException', 'transient'],
    [400, 'AccountSuspendedException', 'transient'],
    [403, 'AccessDeniedException', 'transient'],
    [500, 'InternalFailure', 'transient'],
    [503, 'ServiceUnavailable', 'transient'],
    [400, 'SomeFutureException', 'transient'],
  ] as const)('maps HTTP %i %s to %s', async (status, type, kind) => {
    (await edge).answerWith(() => ({
      status,
      headers: { 'x-amzn-errortype': type },
      body: { message: 'nope' },
    }));

    const err = await providerError(() => provider.send(email('ada@example.com'), sendOptions()));

    expect(err).toMatchObject({ kind, code: type });
  });

  it('passes a Retry-After on a 429 through as retryAfterSeconds', async () => {
    (await edge).answerWith(() => ({
      status: 429,
      headers: { 'x-amzn-errortype': 'TooManyRequestsException', 'retry-after': '7' },
      body: { message: 'slow down' },
    }));

    const err = await providerError(() => provider.send(email('ada@example.com'), sendOptions()));

    expect(err).toMatchObject({ kind: 'transient', retryAfterSeconds: 7 });
  });

  // SES's wording (developer guide, "Amazon SES email sending errors"): "Email address is not
  // verified. The following identities failed the check in region REGION: identity1, identity2".
  const notVerified = (identities: string) => ({
    status: 400,
    headers: { 'x-amzn-errortype': 'MessageRejected' },
    body: {
      message: `Email address is not verified. The following identities failed the check in region US-EAST-1: ${identities}`,
    },
  });

  it('a sandbox rejection of the recipient is permanent, with a clear reason', async () => {
    (await edge).answerWith(() => notVerified('Ada@Example.com'));

    const err = await providerError(() => provider.send(email('ada@example.com'), sendOptions()));

    expect(err).toMatchObject({
      kind: 'permanent',
      code: 'MessageRejected',
      message: 'SES sandbox: recipient not verified',
    });
  });

  it('an unverified sender identity is transient: the operator fixes the configuration', async () => {
    (await edge).answerWith(() => notVerified('noreply@herald.test, herald.test'));

    const err = await providerError(() => provider.send(email('ada@example.com'), sendOptions()));

    expect(err).toMatchObject({ kind: 'transient', code: 'MessageRejected' });
    expect(err.message).toMatch(/^sender identity not verified/);
  });

  it('a cut-short identity list without the recipient stays transient', async () => {
    (await edge).answerWith(() => notVerified('noreply@herald.test, other@example.org...'));

    const err = await providerError(() => provider.send(email('ada@example.com'), sendOptions()));

    expect(err).toMatchObject({ kind: 'transient' });
  });

  it('any other MessageRejected (content SES will not send) stays permanent', async () => {
    (await edge).answerWith(() => ({
      status: 400,
      headers: { 'x-amzn-errortype': 'MessageRejected' },
      body: { message: 'Illegal address' },
    }));

    const err = await providerError(() => provider.send(email('ada@example.com'), sendOptions()));

    expect(err).toMatchObject({ kind: 'permanent', code: 'MessageRejected' });
  });
});
