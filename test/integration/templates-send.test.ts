import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';
import { startReceiver } from '../support/webhook-receiver';

// POST /v1/notifications with a template on the local stack: rendered before anything is
// recorded, and what reaches each fake provider is the rendered content in the right locale.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let n = 0;
const unique = () => `${Date.now().toString(36)}-${n++}`;

const shipped = {
  defaultLocale: 'en',
  locales: {
    en: {
      email: {
        subject: 'Order {{ order }} shipped',
        html: '<p>Hi {{ name }}, order {{ order }} is on its way</p>',
        text: 'Hi {{ name }}',
      },
      sms: { text: 'Order {{ order }} shipped' },
      whatsapp: { text: 'Order {{ order }} shipped (wa)' },
      push: { title: 'Shipped', body: 'Order {{ order }}', data: { order: '{{ order }}' } },
      slack: { text: 'Order {{ order }} shipped for {{ name }}' },
      mqtt: { payload: { event: 'shipped', order: '{{ order }}' } },
    },
    fr: {
      email: { subject: 'Commande {{ order }} expédiée', html: '<p>Bonjour {{ name }}</p>' },
      sms: { text: 'Commande {{ order }} expédiée' },
    },
    'fr-CA': { sms: { text: 'Ta commande {{ order }} est partie' } },
  },
};

async function publish(key: string, content: unknown): Promise<void> {
  expect((await api.request('PUT', `/v1/templates/${key}`, content)).status).toBe(200);
  expect((await api.post(`/v1/templates/${key}/publish`, {})).status).toBe(201);
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
  await api.post('/v1/webhooks', { url: `${receiver.url}/events`, events: ['delivery.sent'] });
  await publish('shipped', shipped);
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

describe('sending with a template', () => {
  it('delivers the rendered content to every provider, in the request’s locale with fallback', async () => {
    const tag = unique();
    const accepted = await api.post('/v1/notifications', {
      template: { key: 'shipped' },
      data: { name: 'Zoé', order: tag },
      locale: 'fr-CA',
      channels: {
        email: { to: [`zoe-${tag}@example.com`] },
        sms: { to: ['+14155550111'] },
        whatsapp: { to: ['+14155550112'] },
        push: { tokens: [`token-${tag}`] },
        slack: { channel: `#ops-${tag}` },
        mqtt: { topic: `devices/${tag}`, qos: 1 },
      },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body.deliveries).toBe(6);
    const email = await waitFor(
      () => stack.outbox.list({ channel: 'email', recipient: `zoe-${tag}@example.com` })[0],
      15_000,
      'the email',
    );
    // fr-CA has no email: fr's; fr has no text part: only what fr says is sent.
    expect(email.content).toMatchObject({
      subject: `Commande ${tag} expédiée`,
      html: '<p>Bonjour Zoé</p>',
    });
    const content = async (channel: 'sms' | 'whatsapp' | 'push' | 'slack' | 'mqtt', to: string) =>
      (
        await waitFor(
          () =>
            stack.outbox
              .list({ channel, recipient: to })
              .find((e) => JSON.stringify(e.content).includes(tag)),
          15_000,
          channel,
        )
      ).content;
    expect(await content('sms', '+14155550111')).toMatchObject({
      text: `Ta commande ${tag} est partie`,
    });
    expect(await content('whatsapp', '+14155550112')).toMatchObject({
      text: `Order ${tag} shipped (wa)`,
    });
    expect(await content('push', `token-${tag}`)).toMatchObject({
      title: 'Shipped',
      body: `Order ${tag}`,
      data: { order: tag },
    });
    expect(await content('slack', `#ops-${tag}`)).toMatchObject({
      text: `Order ${tag} shipped for Zoé`,
    });
    const mqtt = await content('mqtt', `herald/local/devices/${tag}`);
    expect(JSON.parse(String(mqtt.payload))).toEqual({ event: 'shipped', order: tag });
  });

  it('escapes an HTML value in the email html, not in its subject or the SMS', async () => {
    const tag = unique();
    const name = '<img src=x onerror=alert(1)>&';
    const accepted = await api.post('/v1/notifications', {
      template: { key: 'shipped' },
      data: { name, order: tag },
      channels: { email: { to: [`esc-${tag}@example.com`] } },
    });
    expect(accepted.status).toBe(202);
    const email = await waitFor(
      () => stack.outbox.list({ channel: 'email', recipient: `esc-${tag}@example.com` })[0],
      15_000,
    );
    expect(email.content.html).toBe(
      `<p>Hi &lt;img src=x onerror=alert(1)&gt;&amp;, order ${tag} is on its way</p>`,
    );
    expect(email.content.text).toBe(`Hi ${name}`);
  });

  it('keeps a pinned version after a newer publish; unpinned sends take the newest', async () => {
    await publish('pinned', {
      defaultLocale: 'en',
      locales: { en: { sms: { text: 'v1 {{ t }}' } } },
    });
    await publish('pinned', {
      defaultLocale: 'en',
      locales: { en: { sms: { text: 'v2 {{ t }}' } } },
    });
    const tag = unique();
    const ids: string[] = [];
    for (const [version, to] of [
      [1, '+14155550121'],
      [undefined, '+14155550122'],
    ] as const) {
      const answer = await api.post('/v1/notifications', {
        template: { key: 'pinned', ...(version && { version }) },
        data: { t: tag },
        channels: { sms: { to: [to] } },
      });
      expect(answer.status).toBe(202);
      ids.push(answer.body.id as string);
    }
    const text = async (to: string) =>
      (
        await waitFor(
          () =>
            stack.outbox
              .list({ channel: 'sms', recipient: to })
              .find((e) => String(e.content.text).includes(tag)),
          15_000,
        )
      ).content.text;
    expect(await text('+14155550121')).toBe(`v1 ${tag}`);
    expect(await text('+14155550122')).toBe(`v2 ${tag}`);
    // GET says which version each send was rendered from; a raw send names no template.
    for (const [i, version] of [1, 2].entries()) {
      const detail = await api.get(`/v1/notifications/${ids[i]}`);
      expect(detail.body.template).toEqual({ key: 'pinned', version, locales: { sms: ['en'] } });
      // And so do its delivery events.
      const event = await waitFor(
        () =>
          receiver.received
            .map((r) => JSON.parse(r.body) as { notificationId?: string; template?: unknown })
            .find((e) => e.notificationId === ids[i]),
        15_000,
      );
      expect(event.template).toEqual({ key: 'pinned', version });
    }
  });

  it('answers 422 and queues nothing: a missing variable, a render limit, an unknown template', async () => {
    await publish('runaway', {
      defaultLocale: 'en',
      locales: { en: { sms: { text: '{% for i in (1..50000000) %}{{ i }}{% endfor %}{{ t }}' } } },
    });
    const tag = unique();
    const before = (await api.get('/v1/notifications?limit=100')).body.items as unknown[];
    const missing = await api.post('/v1/notifications', {
      template: { key: 'shipped' },
      data: { order: tag },
      channels: { sms: { to: ['+14155550131'] }, email: { to: [`m-${tag}@example.com`] } },
    });
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'data.name',
          message: expect.stringContaining('email.html'),
        }),
        expect.objectContaining({
          path: 'data.name',
          message: expect.stringContaining('email.text'),
        }),
      ]),
    );
    const limit = await api.post('/v1/notifications', {
      template: { key: 'runaway' },
      data: { t: tag },
      channels: { sms: { to: ['+14155550132'] } },
    });
    expect(limit.status).toBe(422);
    expect(JSON.stringify(limit.body.errors)).toContain('render limit reached');
    const unknown = await api.post('/v1/notifications', {
      template: { key: 'nope', version: 3 },
      channels: { sms: { to: ['+14155550133'] } },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'template.version' })]);
    // Content belongs to the template: a block that brings its own is a 400 at that field.
    const mixed = await api.post('/v1/notifications', {
      template: { key: 'shipped' },
      data: { name: 'x', order: tag },
      channels: { sms: { to: ['+14155550134'], text: 'mine' } },
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.errors).toEqual([expect.objectContaining({ path: 'channels.sms.text' })]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await api.get('/v1/notifications?limit=100')).body.items).toHaveLength(before.length);
    expect(stack.outbox.list().filter((e) => JSON.stringify(e).includes(tag))).toEqual([]);
  });

  it('renders for each recipient id in their own locale with their profile fields', async () => {
    await publish('hello', {
      defaultLocale: 'en',
      locales: {
        en: {
          email: {
            subject: 'Hello {{ recipient.name }}',
            text: '{{ recipient.attributes.plan }} {{ t }}',
          },
          sms: { text: 'Hi {{ recipient.name }} {{ t }}' },
        },
        fr: {
          email: {
            subject: 'Bonjour {{ recipient.name }}',
            text: 'Forfait {{ recipient.attributes.plan }} {{ t }}',
          },
        },
      },
    });
    const tag = unique();
    await api.request('PUT', `/v1/recipients/fr-${tag}`, {
      name: 'Zoé',
      locale: 'fr-CA',
      emails: [`zoe-${tag}@example.com`],
      attributes: { plan: 'pro' },
    });
    await api.request('PUT', `/v1/recipients/en-${tag}`, {
      name: 'Ann',
      emails: [`ann-${tag}@example.com`],
      phones: ['+14155550161'],
      attributes: { plan: 'free' },
    });
    const accepted = await api.post('/v1/notifications', {
      template: { key: 'hello' },
      data: { t: tag },
      to: [`fr-${tag}`, `en-${tag}`, `nobody-${tag}`],
      channels: ['email'],
    });
    expect(accepted.status).toBe(202);
    const email = async (to: string) =>
      (await waitFor(() => stack.outbox.list({ channel: 'email', recipient: to })[0], 15_000))
        .content;
    expect(await email(`zoe-${tag}@example.com`)).toMatchObject({
      subject: 'Bonjour Zoé',
      text: `Forfait pro ${tag}`,
    });
    expect(await email(`ann-${tag}@example.com`)).toMatchObject({
      subject: 'Hello Ann',
      text: `free ${tag}`,
    });
    const detail = await api.get(`/v1/notifications/${accepted.body.id}`);
    expect((detail.body.deliveries as { status: string }[]).map((d) => d.status)).toContain(
      'skipped',
    );
    // Which template and version rendered it, and the variants each recipient got (fr-CA -> fr).
    expect(detail.body.template).toEqual({
      key: 'hello',
      version: expect.any(Number),
      locales: { email: ['en', 'fr'] },
    });

    // A recipient whose profile lacks a field the template needs: 422 naming them, nothing sent.
    await api.request('PUT', `/v1/recipients/anon-${tag}`, { emails: [`anon-${tag}@example.com`] });
    const refused = await api.post('/v1/notifications', {
      template: { key: 'hello' },
      data: { t: tag },
      to: [`en-${tag}`, `anon-${tag}`],
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'recipient.name',
          message: expect.stringContaining(`to[1] (anon-${tag})`),
        }),
      ]),
    );
  });

  it('leaves the raw and the older service’s shapes as they were', async () => {
    const raw = await api.post('/v1/notifications', {
      channels: { sms: { to: ['+14155550141'], text: 'plain' } },
    });
    expect(raw.status).toBe(202);
    expect((await api.get(`/v1/notifications/${raw.body.id}`)).body.template).toBeUndefined();
    const legacy = await api.post('/notification/dispatch', {
      type: 'SMS',
      message: 'legacy',
      recipients: ['+14155550142'],
    });
    expect(legacy.status).toBe(202);
  });
});
