import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUnsubscribeToken } from '../../functions/core/recipients/unsubscribe-token';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { UNSUBSCRIBE_SECRET } from '../../local/stack/settings';
import { apiClient, waitFor } from '../support/client';
import { startReceiver } from '../support/webhook-receiver';

// One-click unsubscribe (RFC 8058) on the local stack: the headers on every email of a
// non-critical category, the signed link's POST, and what a forged or expired link does (nothing).

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
  await api.post('/v1/webhooks', { url: `${receiver.url}/u`, events: ['recipient.unsubscribed'] });
  await api.request('PUT', '/v1/categories/news', { name: 'News' });
  await api.request('PUT', '/v1/categories/security', { name: 'Security', critical: true });
  await api.request('PUT', '/v1/recipients/u-1', { emails: ['reader@unsub.example'] });
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

const content = { email: { subject: 'Weekly news', text: 'Hello' } };

async function sendAndGetMail(category: string) {
  const before = stack.outbox.list().length;
  const accepted = await api.post('/v1/notifications', {
    to: ['u-1'],
    category,
    channels: content,
  });
  expect(accepted.status).toBe(202);
  return waitFor(() =>
    stack.outbox
      .list()
      .slice(before)
      .find((m) => m.recipient === 'reader@unsub.example'),
  );
}

const postForm = (url: string, body: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });

const preferences = async () =>
  (await api.get('/v1/recipients/u-1/preferences')).body.preferences as Record<string, unknown>;

describe('one-click unsubscribe', () => {
  let link = '';

  it('every email in a non-critical category carries List-Unsubscribe and List-Unsubscribe-Post', async () => {
    const mail = await sendAndGetMail('news');
    const headers = mail.content.headers as Record<string, string>;
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const match = /^<(.+)>$/.exec(headers['List-Unsubscribe'] ?? '');
    link = match?.[1] ?? '';
    expect(link).toMatch(new RegExp(`^${stack.url}/v1/unsubscribe\\?token=`));
    expect(link).not.toContain('reader'); // the address is not in the link
  });

  it('a template rendered per recipient keeps the link (each email its own)', async () => {
    await api.request('PUT', '/v1/templates/news-hello', {
      defaultLocale: 'en',
      locales: { en: { email: { subject: 'Hello {{ recipient.name }}', text: 'News' } } },
    });
    await api.post('/v1/templates/news-hello/publish', {});
    await api.request('PUT', '/v1/recipients/u-2', { name: 'Bo', emails: ['bo@unsub.example'] });
    await api.request('PATCH', '/v1/recipients/u-1', { name: 'Al' });
    const before = stack.outbox.list().length;
    const accepted = await api.post('/v1/notifications', {
      template: { key: 'news-hello' },
      to: ['u-1', 'u-2'],
      category: 'news',
      channels: ['email'],
    });
    expect(accepted.status).toBe(202);
    const mails = await waitFor(() => {
      const got = stack.outbox.list().slice(before);
      return got.length >= 2 ? got : undefined;
    });
    expect(mails.map((m) => m.content.subject).sort()).toEqual(['Hello Al', 'Hello Bo']);
    for (const mail of mails) {
      expect((mail.content.headers as Record<string, string>)['List-Unsubscribe']).toMatch(
        /\/v1\/unsubscribe\?token=/,
      );
    }
  });

  it('a critical category carries none', async () => {
    const mail = await sendAndGetMail('security');
    expect(mail.content.headers).toBeUndefined();
  });

  it('a forged, altered or expired link answers 4xx and changes nothing', async () => {
    const token = new URL(link).searchParams.get('token') ?? '';
    const [payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    const altered = Buffer.from(JSON.stringify({ ...claims, c: 'security' })).toString('base64url');
    const forged = `${stack.url}/v1/unsubscribe?token=${altered}.${signature}`;
    expect((await postForm(forged, 'List-Unsubscribe=One-Click')).status).toBe(403);
    const expired = signUnsubscribeToken(
      {
        tenantId: claims.t,
        recipientId: 'u-1',
        maskedAddress: claims.m,
        addressHash: claims.h,
        category: 'news',
        channel: 'email',
        expiresAt: Math.floor(Date.now() / 1000) - 60,
      },
      UNSUBSCRIBE_SECRET.key,
    );
    const old = await postForm(
      `${stack.url}/v1/unsubscribe?token=${expired}`,
      'List-Unsubscribe=One-Click',
    );
    expect(old.status).toBe(410);
    expect((await postForm(`${stack.url}/v1/unsubscribe?token=junk`, 'x')).status).toBe(400);
    expect(await preferences()).toEqual({});
  });

  it('the one-click POST answers 200, emits recipient.unsubscribed, and the next send skips', async () => {
    const answer = await postForm(link, 'List-Unsubscribe=One-Click');
    expect(answer.status).toBe(200);
    expect(await preferences()).toEqual({ categories: { news: { email: false } } });
    const event = await waitFor(() => receiver.received.find((r) => r.path === '/u'));
    expect(JSON.parse(event.body)).toMatchObject({
      type: 'recipient.unsubscribed',
      recipientId: 'u-1',
      category: 'news',
      channel: 'email',
    });
    const next = await api.post('/v1/notifications', {
      to: ['u-1'],
      category: 'news',
      channels: content,
    });
    const id = String(next.body.id);
    const skipped = await waitFor(async () => {
      const ds = (await api.get(`/v1/notifications/${id}`)).body.deliveries as {
        status: string;
        skipReason?: string;
      }[];
      return ds[0]?.status === 'skipped' ? ds : undefined;
    });
    expect(skipped[0]?.skipReason).toBe('opted_out');
  });

  it('GET shows the preference page: masked address only, strict CSP, no script', async () => {
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const body = await page.text();
    expect(body).toContain('r***@unsub.example');
    expect(body).not.toContain('reader@unsub.example');
    expect(body).not.toContain('<script');
  });
});
