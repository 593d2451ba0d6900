import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NotificationStore } from '../../functions/adapters/dynamodb/notification-store';
import { sesTags } from '../../functions/adapters/providers/email/ses-tags';
import { createLambdaContext } from '../../local/emulators/lambda';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor, waitForStatuses } from '../support/client';

// Provider feedback end to end on the local stack: SES events through the configuration set's
// topic to the feedback function, Twilio status callbacks to the API, FCM token errors, and the
// suppression list they feed.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let store: NotificationStore;
type FeedbackHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let feedbackHandler: FeedbackHandler;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
  store = new NotificationStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({})),
    String(stack.env.TABLE_NAME),
  );
  // The same handler file the local stack polls with; invoked here to inject exact events.
  feedbackHandler = (await import('../../functions/handlers/feedback')).handler as FeedbackHandler;
});
afterAll(() => stack?.stop());

const unique = () => Math.random().toString(36).slice(2, 10);
/** A fresh E.164 number ending in `suffix` (the Twilio fake's conventions). */
const number = (suffix: string) =>
  `+1415${String(Math.floor(Math.random() * 1e3)).padStart(3, '0')}${suffix}`;

async function send(channels: Record<string, unknown>) {
  const accepted = await api.post('/v1/notifications', { channels });
  expect(accepted.status).toBe(202);
  return String(accepted.body.id);
}

async function suppressionsOf(channel: string) {
  const listed = await api.get(`/v1/suppressions?channel=${channel}`);
  expect(listed.status).toBe(200);
  return listed.body.items as {
    recipient: string;
    reason: string;
    source: string;
    createdAt: string;
  }[];
}

function sqsEvent(bodies: unknown[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${unique()}-${i}`,
      receiptHandle: 'r',
      body: JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'sns',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:herald-feedback',
      awsRegion: 'us-east-1',
    })),
  };
}

const sesEvent = (
  eventType: string,
  ids: { notificationId: string; deliveryId: string },
  extra = {},
  /** SES's MessageId of the message the event is about (the one the sender recorded). */
  messageId = `ses-${unique()}`,
) => ({
  eventType,
  mail: {
    messageId,
    timestamp: new Date().toISOString(),
    tags: Object.fromEntries(
      sesTags({ ...ids, tenantId: 'local' }).map((tag) => [tag.Name, [tag.Value]]),
    ),
  },
  ...extra,
});

describe('statuses per channel', () => {
  it('email, SMS and WhatsApp are confirmed by feedback, Slack on posting; push and MQTT stay sent', async () => {
    const tag = unique();
    const id = await send({
      email: { to: [`ada-${tag}@example.com`], subject: 'Hi', text: 'Hi' },
      sms: { to: [number('0101')], text: 'sms' },
      whatsapp: { to: [number('0102')], text: 'wa' },
      push: { tokens: [`token-${tag}`], title: 't', body: 'b' },
      slack: { channel: `#ops-${tag}`, text: 's' },
      mqtt: { topic: `herald/devices/${tag}`, payload: 'x' },
    });
    const final = await waitForStatuses(api, id, {
      email: 'delivered',
      sms: 'delivered',
      whatsapp: 'delivered',
      slack: 'delivered',
      push: 'sent',
      mqtt: 'sent',
    });
    expect(final.status).toBe('sent');
    // Twilio reports `read` after `delivered`, in a callback of its own: wait for it.
    const detail = await waitFor(
      async () => {
        const now = await api.get(`/v1/notifications/${id}`);
        const whatsapp = (now.body as typeof final).deliveries.find(
          (d) => d.channel === 'whatsapp',
        );
        return whatsapp?.providerDetail;
      },
      10_000,
      'the WhatsApp read receipt',
    );
    expect(detail).toMatch(/^read at /);
  });
});

describe('SES feedback (configuration set -> topic -> feedback function)', () => {
  it('a hard bounce records bounced and suppresses the address; the next send is suppressed without a provider call', async () => {
    const address = `bounce-${unique()}@example.com`;
    const id = await send({ email: { to: [address], subject: 'Hi', text: 'Hi' } });
    const bounced = await waitForStatuses(api, id, { email: 'bounced' });
    expect(bounced.deliveries[0]?.lastError).toMatch(/Permanent\/General/);
    expect(await suppressionsOf('email')).toContainEqual(
      expect.objectContaining({
        recipient: address,
        reason: 'bounce',
        source: 'ses:Bounce:Permanent/General',
      }),
    );

    const sentBefore = stack.outbox.list({
      channel: 'email',
      recipient: address.toUpperCase(),
    }).length;
    const again = await send({ email: { to: [address.toUpperCase()], subject: 'Hi', text: 'Hi' } });
    const suppressed = await waitForStatuses(api, again, { email: 'suppressed' });
    expect(suppressed.status).toBe('failed');
    expect(stack.outbox.list({ channel: 'email', recipient: address.toUpperCase() })).toHaveLength(
      sentBefore,
    );
  });

  it('a complaint after delivery records complained and suppresses the address', async () => {
    const address = `complaint-${unique()}@example.com`;
    const id = await send({ email: { to: [address], subject: 'Hi', text: 'Hi' } });
    await waitForStatuses(api, id, { email: 'complained' });
    expect(await suppressionsOf('email')).toContainEqual(
      expect.objectContaining({ recipient: address, reason: 'complaint' }),
    );
  });

  it('a delivery delay is kept as a detail and the later delivery still counts', async () => {
    const id = await send({
      email: { to: [`delay-${unique()}@example.com`], subject: 'Hi', text: 'Hi' },
    });
    const final = await waitForStatuses(api, id, { email: 'delivered' });
    expect(final.deliveries[0]?.providerDetail).toBe('delivery delayed: MailboxFull');
  });

  it('ignores and logs an event for a message Herald does not know', async () => {
    // Powertools writes WARN lines to stderr.
    const write = vi.spyOn(process.stderr, 'write');
    try {
      const answer = await feedbackHandler(
        sqsEvent([
          sesEvent('Delivery', { notificationId: 'no-such-notification', deliveryId: 'email#0' }),
        ]),
        createLambdaContext('herald-feedback', 'us-east-1'),
      );
      expect(answer.batchItemFailures).toEqual([]);
      const logged = write.mock.calls.map((c) => String(c[0])).join('');
      expect(logged).toContain('SES event for an unknown delivery ignored');
    } finally {
      write.mockRestore();
    }
  });

  it('a malformed feedback message is logged and dropped at once, not received five times', async () => {
    const write = vi.spyOn(process.stderr, 'write');
    try {
      const event = sqsEvent([]);
      event.Records = sqsEvent([{}]).Records.map((r) => ({ ...r, body: 'not json {' }));
      const answer = await feedbackHandler(
        event,
        createLambdaContext('herald-feedback', 'us-east-1'),
      );
      expect(answer.batchItemFailures).toEqual([]);
      const logged = write.mock.calls.map((c) => String(c[0])).join('');
      expect(logged).toContain('malformed SES event dropped');
      expect(logged).toContain(event.Records[0]?.messageId);
    } finally {
      write.mockRestore();
    }
  });

  it("an event about another attempt's message never moves the delivery; a confirmation wins over Herald's own failure", async () => {
    const id = `attempts-${unique()}`;
    const now = new Date().toISOString();
    await store.create(
      {
        id,
        tenantId: 'local',
        createdAt: now,
        priority: 'normal',
        content: { email: { subject: 's', text: 't' } },
        deliveryCount: 2,
      },
      ['email#0', 'email#1'].map((deliveryId) => ({
        notificationId: id,
        deliveryId,
        channel: 'email' as const,
        recipient: `attempts-${unique()}@example.com`,
        status: 'queued' as const,
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      })),
      Date.now(),
    );
    const context = createLambdaContext('herald-feedback', 'us-east-1');
    // email#0: attempt 1 had no answer (SES took it as ses-1); attempt 2 was recorded as ses-2.
    await store.claim(id, 'email#0', Date.now(), 60_000);
    await store.recordRetry(id, 'email#0', 'outcome unknown', Date.now(), 1);
    await store.claim(id, 'email#0', Date.now(), 60_000);
    await store.markSent(id, 'email#0', 'sent', 'ses-2', Date.now(), 2);
    const bounce = { bounce: { bounceType: 'Permanent', bounceSubType: 'General' } };
    const ids = { notificationId: id, deliveryId: 'email#0' };
    await feedbackHandler(sqsEvent([sesEvent('Bounce', ids, bounce, 'ses-1')]), context);
    expect((await store.get(id))?.deliveries[0]).toMatchObject({
      status: 'sent',
      providerMessageId: 'ses-2',
    });
    await feedbackHandler(sqsEvent([sesEvent('Delivery', ids, {}, 'ses-2')]), context);
    expect((await store.get(id))?.deliveries[0]).toMatchObject({ status: 'delivered' });

    // email#1: its only attempt had no answer and Herald gave up; SES then reports the delivery.
    await store.claim(id, 'email#1', Date.now(), 60_000);
    await store.markFailed(
      id,
      'email#1',
      'gave up: outcome unknown',
      Date.now(),
      ['sending'],
      'exhausted',
      1,
    );
    const confirmed = { notificationId: id, deliveryId: 'email#1' };
    await feedbackHandler(sqsEvent([sesEvent('Delivery', confirmed, {}, 'ses-9')]), context);
    expect((await store.get(id))?.deliveries[1]).toMatchObject({
      status: 'delivered',
      providerMessageId: 'ses-9',
    });
    // A replay's re-open finds nothing to send again.
    expect(await store.reopen(id, 'email#1', Date.now())).toBe(false);
  });

  it('a duplicated bounce leaves one suppression entry, the first one', async () => {
    const address = `dup-${unique()}@example.com`;
    const id = await send({ email: { to: [address], subject: 'Hi', text: 'Hi' } });
    const sent = await waitForStatuses(api, id, { email: 'delivered' });
    const messageId = String(sent.deliveries[0]?.providerMessageId);
    const bounce = sesEvent(
      'Bounce',
      { notificationId: id, deliveryId: 'email#0' },
      { bounce: { bounceType: 'Permanent', bounceSubType: 'OnAccountSuppressionList' } },
      messageId,
    );
    const context = createLambdaContext('herald-feedback', 'us-east-1');
    await feedbackHandler(sqsEvent([bounce]), context);
    const first = (await suppressionsOf('email')).filter((e) => e.recipient === address);
    await feedbackHandler(sqsEvent([bounce, bounce]), context);
    const after = (await suppressionsOf('email')).filter((e) => e.recipient === address);
    expect(first).toHaveLength(1);
    expect(after).toEqual(first);
    // A late Delivery event (out of order, or redelivered) never moves it back.
    await feedbackHandler(
      sqsEvent([
        sesEvent('Delivery', { notificationId: id, deliveryId: 'email#0' }, {}, messageId),
      ]),
      context,
    );
    expect((await api.get(`/v1/notifications/${id}`)).body).toMatchObject({
      deliveries: [expect.objectContaining({ status: 'bounced' })],
    });
  });

  it('a report that arrives before the sender recorded sent is applied, and the sender does not undo it', async () => {
    const id = `early-${unique()}`;
    const now = new Date().toISOString();
    await store.create(
      {
        id,
        tenantId: 'local',
        createdAt: now,
        priority: 'normal',
        content: { email: { subject: 's', text: 't' } },
        deliveryCount: 1,
      },
      [
        {
          notificationId: id,
          deliveryId: 'email#0',
          channel: 'email',
          recipient: `early-${unique()}@example.com`,
          status: 'queued',
          attempts: 0,
          createdAt: now,
          updatedAt: now,
        },
      ],
      Date.now(),
    );
    expect((await store.claim(id, 'email#0', Date.now(), 60_000)).claimed).toBe(true);
    await feedbackHandler(
      sqsEvent([sesEvent('Delivery', { notificationId: id, deliveryId: 'email#0' })]),
      createLambdaContext('herald-feedback', 'us-east-1'),
    );
    // The sender's own write comes second and finds the delivery already past `sending`.
    const late = await store.applyReport(id, 'email#0', {
      status: 'sent',
      from: ['sending'],
      providerMessageId: 'ses-late',
      now: Date.now(),
    });
    expect(late).toMatchObject({ applied: false, status: 'delivered' });
    expect((await store.get(id))?.deliveries[0]).toMatchObject({ status: 'delivered' });
  });
});

describe('Twilio status callbacks', () => {
  it('a number ending in 0004 is undelivered (30003)', async () => {
    const id = await send({ sms: { to: [number('0004')], text: 'x' } });
    const final = await waitForStatuses(api, id, { sms: 'undelivered' });
    expect(final.deliveries[0]?.lastError).toMatch(/^30003/);
  });

  it('a number ending in 0005 replied STOP: failed, suppressed, and the next send is suppressed', async () => {
    const to = number('0005');
    const id = await send({ sms: { to: [to], text: 'x' } });
    await waitForStatuses(api, id, { sms: 'failed' });
    expect(await suppressionsOf('sms')).toContainEqual(
      expect.objectContaining({ recipient: to, reason: 'unsubscribed' }),
    );
    const again = await send({ sms: { to: [to], text: 'x' } });
    await waitForStatuses(api, again, { sms: 'suppressed' });
    expect(stack.outbox.list({ channel: 'sms', recipient: to })).toHaveLength(1);
  });

  it('numbers ending in 0001 fail permanently and 0002 succeed on the third attempt', async () => {
    const permanent = number('0001');
    const transient = number('0002');
    const id = await send({ sms: { to: [permanent, transient], text: 'x' } });
    const final = await waitForStatuses(api, id, { sms: 'never' }, 100).catch(async () =>
      waitFor(async () => {
        const n = (await api.get(`/v1/notifications/${id}`)).body as {
          deliveries: { recipient: string; status: string; attempts: number }[];
        };
        const statuses = n.deliveries.map((d) => d.status).sort();
        return statuses.join() === 'delivered,failed' ? n : undefined;
      }, 20_000),
    );
    const byAttempts = final.deliveries.map((d) => [d.status, d.attempts]).sort();
    expect(byAttempts).toEqual([
      ['delivered', 3],
      ['failed', 1],
    ]);
  });

  it('a forged callback (bad signature) is refused with 403 and changes nothing', async () => {
    const id = await send({ sms: { to: [number('0101')], text: 'x' } });
    await waitForStatuses(api, id, { sms: 'delivered' });
    const url = `${stack.env.TWILIO_STATUS_CALLBACK_URL}?n=${id}&d=sms%230&t=local`;
    const params = { MessageSid: 'SMforged', MessageStatus: 'failed', ErrorCode: '21610' };
    const forged = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': getExpectedTwilioSignature('not-the-auth-token', url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    expect(forged.status).toBe(403);
    const unsigned = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    expect(unsigned.status).toBe(403);
    const after = (await api.get(`/v1/notifications/${id}`)).body as {
      deliveries: { status: string }[];
    };
    expect(after.deliveries[0]?.status).toBe('delivered');
    expect((await suppressionsOf('sms')).map((e) => e.recipient)).not.toContain('SMforged');
  });
});

describe('Twilio callbacks tied to the delivery', () => {
  /** Posts a callback signed with the account's real auth token, as Twilio would. */
  async function signedCallback(id: string, params: Record<string, string>) {
    const secrets = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: stack.env.AWS_ENDPOINT_URL_SECRETS_MANAGER,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const secret = await secrets.send(
      new GetSecretValueCommand({ SecretId: String(stack.env.TWILIO_SECRET_ID) }),
    );
    const { authToken } = JSON.parse(String(secret.SecretString)) as { authToken: string };
    const url = `${stack.env.TWILIO_STATUS_CALLBACK_URL}?n=${id}&d=sms%230&t=local`;
    const answer = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': getExpectedTwilioSignature(authToken, url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    return answer.status;
  }

  it('a captured STOP callback replayed after an admin lifted the suppression does not suppress again', async () => {
    const to = number('0005');
    const id = await send({ sms: { to: [to], text: 'x' } });
    const failed = await waitForStatuses(api, id, { sms: 'failed' });
    await waitFor(
      async () => (await suppressionsOf('sms')).some((e) => e.recipient === to) || undefined,
      10_000,
      'the suppression',
    );
    expect((await api.delete(`/v1/suppressions/sms/${encodeURIComponent(to)}`)).status).toBe(204);
    const captured = {
      MessageSid: String(failed.deliveries[0]?.providerMessageId),
      MessageStatus: 'failed',
      ErrorCode: '21610',
    };
    expect(await signedCallback(id, captured)).toBe(204);
    expect((await suppressionsOf('sms')).map((e) => e.recipient)).not.toContain(to);
  });
});

describe('WhatsApp templates', () => {
  it('free text outside the session window (0006) fails permanently saying a template is needed; a template goes through', async () => {
    const to = number('0006');
    const text = await send({ whatsapp: { to: [to], text: 'hello' } });
    const failed = await waitForStatuses(api, text, { whatsapp: 'failed' });
    expect(failed.deliveries[0]).toMatchObject({ attempts: 1 });
    expect(failed.deliveries[0]?.lastError).toMatch(/^63016: .*template/);

    const contentSid = `HX${'ab'.repeat(16)}`;
    const template = await send({
      whatsapp: { to: [to], template: { contentSid, variables: { '1': 'Ada' } } },
    });
    await waitForStatuses(api, template, { whatsapp: 'delivered' });
    expect(stack.outbox.list({ channel: 'whatsapp', recipient: to }).at(-1)?.content).toMatchObject(
      {
        contentSid,
        contentVariables: { '1': 'Ada' },
      },
    );
  });
});

describe('FCM token errors', () => {
  it('an UNREGISTERED token fails and is suppressed', async () => {
    const token = `token-unregistered-${unique()}`;
    const id = await send({ push: { tokens: [token], title: 't', body: 'b' } });
    const final = await waitForStatuses(api, id, { push: 'failed' });
    expect(final.deliveries[0]?.lastError).toMatch(/registration-token-not-registered/);
    expect(await suppressionsOf('push')).toContainEqual(
      expect.objectContaining({
        recipient: token,
        reason: 'invalid-token',
        source: 'fcm:messaging/registration-token-not-registered',
      }),
    );
  });
});

describe('/v1/suppressions', () => {
  it('adds, lists by page, and lifts entries; lifting takes effect for the next send', async () => {
    const address = `Manual-${unique()}@Example.com`;
    const added = await api.post('/v1/suppressions', { channel: 'email', recipient: address });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      recipient: address.toLowerCase(),
      reason: 'manual',
      source: 'api',
    });
    expect(
      (await api.post('/v1/suppressions', { channel: 'email', recipient: address })).status,
    ).toBe(200);

    const blocked = await send({ email: { to: [address], subject: 'Hi', text: 'Hi' } });
    await waitForStatuses(api, blocked, { email: 'suppressed' });

    const lifted = await api.delete(`/v1/suppressions/email/${encodeURIComponent(address)}`);
    expect(lifted.status).toBe(204);
    expect((await api.delete(`/v1/suppressions/email/${encodeURIComponent(address)}`)).status).toBe(
      404,
    );
    const open = await send({ email: { to: [address], subject: 'Hi', text: 'Hi' } });
    await waitForStatuses(api, open, { email: 'delivered' });
  });

  it('pages with a cursor', async () => {
    const prefix = `page-${unique()}`;
    for (let i = 0; i < 3; i++) {
      await api.post('/v1/suppressions', { channel: 'slack', recipient: `#${prefix}-${i}` });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.get(
        `/v1/suppressions?channel=slack&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...(page.body.items as { recipient: string }[]).map((e) => e.recipient));
      cursor = page.body.nextCursor as string | undefined;
    } while (cursor);
    expect(seen.filter((r) => r.startsWith(`#${prefix}`))).toHaveLength(3);
  });

  it("never shows or lifts another tenant's entries", async () => {
    const { key } = await import('../../functions/core/access/api-keys').then((m) => ({
      key: m.generateApiKey().key,
    }));
    const { ApiKeyStore } = await import('../../functions/adapters/dynamodb/api-key-store');
    await new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      String(stack.env.TABLE_NAME),
    ).create('other-tenant', { key, scopes: ['send', 'read', 'admin'] });
    const other = apiClient(stack, key);
    const address = `private-${unique()}@example.com`;
    await api.post('/v1/suppressions', { channel: 'email', recipient: address });
    const listed = await other.get('/v1/suppressions');
    expect((listed.body.items as { recipient: string }[]).map((e) => e.recipient)).not.toContain(
      address,
    );
    expect(
      (await other.delete(`/v1/suppressions/email/${encodeURIComponent(address)}`)).status,
    ).toBe(404);
    expect((await suppressionsOf('email')).map((e) => e.recipient)).toContain(address);
  });

  it('answers 400 with the field path for a bad entry, channel or cursor', async () => {
    const bad = await api.post('/v1/suppressions', {
      channel: 'sms',
      recipient: 'not-a-number',
      extra: 1,
    });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual([
      'extra',
      'recipient',
    ]);
    expect((await api.get('/v1/suppressions?channel=fax')).status).toBe(400);
    expect((await api.get('/v1/suppressions?cursor=bogus')).status).toBe(400);
  });
});
